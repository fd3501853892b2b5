// mode: write
// The fast load of bench/campaigns.py, not a product query: the generator's true households (id and
// member devices) in place of the households job, so the report has households to count.
UNWIND $rows AS row
MERGE (h:Household {id: row.id})
SET h.size = size(row.devices)
WITH h, row
UNWIND row.devices AS key
MATCH (d:Device {key: key})
MERGE (d)-[:MEMBER_OF]->(h)
