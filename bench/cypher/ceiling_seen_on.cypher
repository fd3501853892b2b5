// mode: write
// The ceiling experiment of bench/ingest_profile.py, not a product query: the same presence rows
// (one per device, network and UTC day of a batch) CREATEd (no MERGE, no dedupe against earlier ids,
// no relationship index). Returns every id, as if all were new.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (n:Network {key: row.network})
CREATE (d)-[:SEEN_ON {bucket: row.bucket, day: row.day, ids: row.ids, counts: row.counts,
                      events: size(row.ids), first: row.first, last: row.last}]->(n)
SET d.events = d.events + size(row.ids)
WITH row
UNWIND row.ids AS id
RETURN collect(id) AS fresh
