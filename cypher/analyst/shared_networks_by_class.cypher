// mode: read
// params: $limit (int). Networks used by devices of more than one household, by network class.
MATCH (n:Network)<-[:SEEN_ON]-(d:Device)-[:MEMBER_OF]->(h:Household)
WITH n, count(DISTINCT h) AS households
WHERE households > 1
RETURN n.class AS class, count(n) AS networks, max(households) AS max_households
ORDER BY networks DESC
LIMIT $limit
