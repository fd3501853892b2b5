// mode: write
// Not a product query: bench/personas_job.py creates the DeviceDay nodes of a world's device-day rows
// (the shape ingest/merge_device_days writes: graph/device_days.py) in one plain CREATE each.
// params: $rows: [{id, device, day, views, ..., max_age}] (graph.device_days rows with their id)
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
CREATE (d)-[:ACTIVE_ON]->(x:DeviceDay)
SET x = row
REMOVE x.device_type
