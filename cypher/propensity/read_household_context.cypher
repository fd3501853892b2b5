// mode: read
// params: none. Per household: its genre shares (LIKES), its devices' types and its social links.
MATCH (h:Household)
OPTIONAL MATCH (h)-[l:LIKES]->(g:Genre)
WITH h, collect({genre: g.name, share: l.share}) AS genres
OPTIONAL MATCH (d:Device)-[:MEMBER_OF]->(h)
WITH h, genres, collect({device: d.key, device_type: coalesce(d.type, 'other')}) AS devices
OPTIONAL MATCH (h)-[s:SOCIAL_LINK]-(f:Household)
RETURN h.id AS household, genres, devices, collect({friend: f.id, weight: s.weight}) AS friends
