// mode: read
// params: $genre (str or null), $min_score (float), $device_types (list of str), $min_size (int), $max_size (int), $kids (bool or null), $min_degree (int), $active_since (epoch ms or null), $min_affluence (float or null: the affluence proxy), $persona (str or null), $age_band (str or null). Size and composition of a segment of households.
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
RETURN count(h) AS households, coalesce(sum(h.devices), 0) AS devices,
       coalesce(sum(h.tv), 0) AS tv, coalesce(sum(h.phone), 0) AS phone, coalesce(sum(h.tablet), 0) AS tablet,
       coalesce(sum(h.desktop), 0) AS desktop, coalesce(sum(h.console), 0) AS console,
       coalesce(sum(h.other), 0) AS other,
       sum(CASE WHEN h.kids THEN 1 ELSE 0 END) AS with_kids,
       avg(h.size) AS mean_size, avg(degree) AS mean_degree
