// mode: read
// params: none. Each household's member devices by type (the affluence proxy's input).
MATCH (h:Household)<-[:MEMBER_OF]-(d:Device)
RETURN h.id AS household, collect(coalesce(d.type, 'other')) AS types
