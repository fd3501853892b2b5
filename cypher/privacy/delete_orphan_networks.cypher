// mode: write
// params: $limit. Networks no device is seen on any more (their evidence expired or was erased).
MATCH (n:Network)
WHERE NOT EXISTS { (n)<-[:SEEN_ON]-() }
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(n) AS deleted
