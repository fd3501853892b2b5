// mode: read
// params: none. Every device that has a household, with its type and persona (activation's device map),
// and every key the last households runs found to be many devices (SharedKey: no household).
MATCH (d:Device)-[:MEMBER_OF]->(h:Household)
RETURN d.key AS device_key, d.type AS device_type, h.id AS household_id, d.persona AS persona
UNION ALL
MATCH (d:SharedKey)
RETURN d.key AS device_key, d.type AS device_type, null AS household_id, null AS persona
