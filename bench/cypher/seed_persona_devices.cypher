// mode: write
// Not a product query: bench/personas_job.py seeds devices, their households and the catalog's
// series episodes without ingest (the device days then go through ingest/merge_device_days).
// params: $rows: [{device, type, household}]
UNWIND $rows AS row
MERGE (d:Device {key: row.device})
SET d.type = row.type
MERGE (h:Household {id: row.household})
MERGE (d)-[:MEMBER_OF]->(h)
