// mode: write
// The ceiling experiment of bench/ingest_profile.py, not a product query: the same device-day rows
// written without merging with an earlier batch's day (a day seen again is overwritten, its lists
// replaced, not merged).
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MERGE (x:DeviceDay {id: row.id})
  ON CREATE SET x.new = true
SET x += row
WITH d, x WHERE x.new
REMOVE x.new
CREATE (d)-[:ACTIVE_ON]->(x)
