// mode: read
// params: none. Latest activity per household (for recency filters).
MATCH (d:Device)-[:MEMBER_OF]->(h:Household)
RETURN h.id AS household, max(d.last_seen) AS last_active
