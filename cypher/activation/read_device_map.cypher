// mode: read
// params: none. Every device that has a household, with its type and persona (activation's device map).
MATCH (d:Device)-[:MEMBER_OF]->(h:Household)
RETURN d.key AS device_key, d.type AS device_type, h.id AS household_id, d.persona AS persona
