// mode: read
// params: $genre (str or null), $min_score (float), $device_types (list of str), $min_size (int),
// $max_size (int), $kids (bool or null), $min_degree (int), $active_since (epoch ms or null),
// $min_affluence (float or null). Households and devices of a segment reachable per device type.
MATCH (h:Household)
WHERE h.size >= $min_size AND h.size <= $max_size
  AND ($kids IS NULL OR h.kids = $kids)
  AND all(t IN $device_types WHERE coalesce(h[t], 0) > 0)
  AND ($genre IS NULL OR EXISTS { (h)-[l:LIKES]->(:Genre {name: $genre}) WHERE l.score >= $min_score })
  AND ($active_since IS NULL OR h.last_active >= $active_since)
  AND ($min_degree = 0 OR COUNT { (h)-[:SOCIAL_LINK]-() } >= $min_degree)
  AND ($min_affluence IS NULL OR coalesce(h.affluence, 0.0) >= $min_affluence)
MATCH (h)<-[:MEMBER_OF]-(d:Device)
WITH coalesce(d.type, 'other') AS type, count(DISTINCT h) AS households, count(d) AS devices
RETURN type, households, devices
ORDER BY type
