// mode: write
// params: $rows: [{device, dtype, first, last}] — one per device of the batch, sorted by key; $now (epoch ms)
// `ingested` is the ingest clock (not event time): incremental jobs look for it.
UNWIND $rows AS row
MERGE (d:Device {key: row.device})
  ON CREATE SET d.first_seen = row.first, d.last_seen = row.last, d.events = 0, d.type = row.dtype
  ON MATCH SET d.first_seen = CASE WHEN row.first < d.first_seen THEN row.first ELSE d.first_seen END,
               d.type = CASE WHEN row.last >= d.last_seen THEN coalesce(row.dtype, d.type) ELSE d.type END,
               d.last_seen = CASE WHEN row.last > d.last_seen THEN row.last ELSE d.last_seen END
SET d.ingested = $now
