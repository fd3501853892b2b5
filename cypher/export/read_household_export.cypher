// mode: read
// params: none. Contract section 4: one row per device that has a household.
MATCH (d:Device)-[m:MEMBER_OF]->(h:Household)
RETURN d.key AS device_key, h.id AS household_id, m.confidence AS confidence
ORDER BY household_id, device_key
