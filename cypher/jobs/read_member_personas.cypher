// mode: read
// params: $devices (list of device keys). The households of these devices, with every member's
// current persona, churn risk and age band (to recompute the households' persona mix).
// Written so that only one plan fits: each key sought in the index, members expanded from their
// household (a list, filtered after). A plan free to start from the index on d.persona takes it on
// a first run, while the index statistics still say no device has one, and then tests every
// member of the graph against every household (10 s at 1,000 households).
UNWIND $devices AS key
MATCH (:Device {key: key})-[:MEMBER_OF]->(h:Household)
WITH DISTINCT h
UNWIND [(h)<-[:MEMBER_OF]-(m) | m] AS m
WITH h, m
WHERE m.persona IS NOT NULL
RETURN m.key AS device, h.id AS household, m.persona AS persona, m.churn_risk AS churn_risk,
       m.age_band AS age_band
