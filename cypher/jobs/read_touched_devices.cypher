// mode: read
// params: $since (epoch ms), $limit (int)
// Devices with events since the last run, and every device that shared a network hour with
// them: the part of the graph an incremental household run re-clusters.
MATCH (d:Device)
WHERE d.last_seen >= $since
WITH d LIMIT $limit
MATCH (d)-[r:SEEN_ON]->(n:Network)
WHERE coalesce(n.class, 'home') IN ['home', 'unknown']
WITH collect(DISTINCT d.key) AS touched, collect(DISTINCT n) AS networks
UNWIND networks AS n
MATCH (other:Device)-[:SEEN_ON]->(n)
WITH touched, collect(DISTINCT other.key) AS neighbours
RETURN touched, neighbours
