// mode: read
// params: none. The current device → household assignment (for stable ids and the social job).
MATCH (d:Device)-[:MEMBER_OF]->(h:Household)
RETURN d.key AS device, h.id AS household
