// mode: read
// params: $genre (str or null), $min_score (float), $device_types (list of str), $min_size (int), $max_size (int), $kids (bool or null), $min_degree (int), $active_since (epoch ms or null), $min_affluence (float or null: the affluence proxy), $persona (str or null), $age_band (str or null), $limit (int). Household ids and member device keys of a segment (for export), at most $limit households.
MATCH (h:Household)
WHERE $min_size <= h.size <= $max_size
  AND ($kids IS NULL OR h.kids = $kids)
  AND ($active_since IS NULL OR h.last_active >= $active_since)
  AND ($min_affluence IS NULL OR coalesce(h.affluence, 0.0) >= $min_affluence)
  AND all(t IN $device_types WHERE coalesce(h[t], 0) > 0)
  AND ($genre IS NULL OR EXISTS { (h)-[l:LIKES]->(:Genre {name: $genre}) WHERE l.score >= $min_score })
  AND ($persona IS NULL OR EXISTS { (:Device {persona: $persona})-[:MEMBER_OF]->(h) })
  AND ($age_band IS NULL OR $age_band IN coalesce(h.audience, []))
WITH h, COUNT { (h)-[:SOCIAL_LINK]-() } AS degree
WHERE degree >= $min_degree
WITH h ORDER BY h.id LIMIT $limit
RETURN h.id AS household, [(d:Device)-[:MEMBER_OF]->(h) | d.key] AS devices
