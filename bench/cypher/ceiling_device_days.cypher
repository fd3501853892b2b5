// mode: write
// The ceiling experiment of bench/ingest_profile.py, not a product query: the same device-day rows
// CREATEd as new DeviceDay nodes (no MERGE, no list merging with an earlier batch's day).
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
CREATE (d)-[:ACTIVE_ON]->(x:DeviceDay)
SET x = row
