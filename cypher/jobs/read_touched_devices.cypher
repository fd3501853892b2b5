// mode: read
// params: $since (epoch ms, ingest clock), $limit (int)
// Devices written by ingest since the last run, and every device that shared a home-like
// network with them: the part of the graph an incremental household run re-clusters.
OPTIONAL MATCH (d:Device)
WHERE d.ingested >= $since
WITH collect(d)[..$limit] AS touched
CALL (touched) {
  UNWIND touched AS d
  MATCH (d)-[:SEEN_ON]->(n:Network)
  WHERE coalesce(n.class, 'home') IN ['home', 'unknown']
  WITH DISTINCT n
  MATCH (other:Device)-[:SEEN_ON]->(n)
  RETURN collect(DISTINCT other.key) AS neighbours
}
RETURN [d IN touched | d.key] AS touched, neighbours
