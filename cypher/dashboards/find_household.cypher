// mode: read
// params: $household (str or null), $device (str or null). The household by its id or by a member device key.
OPTIONAL MATCH (byId:Household {id: $household})
OPTIONAL MATCH (:Device {key: $device})-[:MEMBER_OF]->(byDevice:Household)
WITH coalesce(byId, byDevice) AS h
WHERE h IS NOT NULL
RETURN h {.*} AS household
LIMIT 1
