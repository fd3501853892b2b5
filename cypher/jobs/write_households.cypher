// mode: write
// params: $rows: [{id, size, confidence, lineage, previous: [str], anchor, device_types (JSON str)}], $run (str), $now (epoch ms)
UNWIND $rows AS row
MERGE (h:Household {id: row.id})
  ON CREATE SET h.created = $now, h.created_run = $run
SET h.size = row.size, h.confidence = row.confidence, h.lineage = row.lineage,
    h.previous = row.previous, h.anchor = row.anchor, h.device_types = row.device_types,
    h.run = $run, h.updated = $now
