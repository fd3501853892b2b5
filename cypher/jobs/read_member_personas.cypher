// mode: read
// params: $devices (list of device keys). The households of these devices, with every member's
// current persona, churn risk and age band (to recompute the households' persona mix).
MATCH (d:Device)-[:MEMBER_OF]->(h:Household)
WHERE d.key IN $devices
WITH DISTINCT h
MATCH (m:Device)-[:MEMBER_OF]->(h)
WHERE m.persona IS NOT NULL
RETURN m.key AS device, h.id AS household, m.persona AS persona, m.churn_risk AS churn_risk,
       m.age_band AS age_band
