// mode: read
// params: $since (epoch ms, ingest clock), $limit (int), $window (ms)
// Devices written by ingest since the last run, and the devices that shared a home-like network
// with them in the same recent window ($window before their latest activity): the part of the
// graph an incremental household run re-clusters. The window matters: an ISP hands a home's old
// address to other homes later, and those homes are not this device's neighbours. Presence edges
// are per day; their first and last event times bound the window.
OPTIONAL MATCH (d:Device)
WHERE d.ingested >= $since
WITH collect(d)[..$limit] AS touched
CALL (touched) {
  UNWIND touched AS d
  MATCH (d)-[r:SEEN_ON]->(n:Network)
  WHERE r.last >= d.last_seen - $window AND coalesce(n.class, 'home') IN ['home', 'unknown']
  WITH n, min(CASE WHEN r.first < d.last_seen - $window THEN d.last_seen - $window ELSE r.first END) AS from
  MATCH (other:Device)-[r2:SEEN_ON]->(n)
  WHERE r2.last >= from - $window
  RETURN collect(DISTINCT other.key) AS neighbours
}
RETURN [d IN touched | d.key] AS touched, neighbours
