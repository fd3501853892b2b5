// mode: read
// params: $devices (list of device keys). The households of these devices, with every member's
// current persona, churn risk and age band (to recompute the households' persona mix).
// Seeks each key and expands from the household (pattern comprehension): a plan that starts from
// the index on d.persona, chosen while statistics still say no device has one (a first run), tests
// every member against the whole key list.
UNWIND $devices AS key
MATCH (:Device {key: key})-[:MEMBER_OF]->(h:Household)
WITH DISTINCT h
UNWIND [(m:Device)-[:MEMBER_OF]->(h) WHERE m.persona IS NOT NULL | m] AS m
RETURN m.key AS device, h.id AS household, m.persona AS persona, m.churn_risk AS churn_risk,
       m.age_band AS age_band
