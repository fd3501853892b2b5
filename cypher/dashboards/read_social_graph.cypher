// mode: read
// params: $genre (str or null), $min_size (int), $max_size (int), $min_weight (float), $limit (int). The best connected households passing the filters (at most $limit), the links among them, and how many passed. A genre filter keeps households with the genre among their top genres (by lift); a link's weight is its number of visits.
MATCH (h:Household)
WHERE $min_size <= h.size <= $max_size
  AND ($genre IS NULL OR $genre IN h.top_genres)
WITH h, COUNT { (h)-[s:SOCIAL_LINK]-() WHERE s.weight >= $min_weight } AS degree
WHERE degree > 0
WITH collect({h: h, degree: degree}) AS passed
WITH size(passed) AS total, passed
UNWIND passed AS x
WITH total, x.h AS h, x.degree AS degree ORDER BY degree DESC, h.id LIMIT $limit
WITH total, collect(h) AS shown, collect({id: h.id, size: h.size, kids: h.kids, degree: degree,
  top_genre: h.top_genres[0],
  top_series: h.top_series}) AS nodes
CALL (shown) {
  UNWIND shown AS a
  MATCH (a)-[s:SOCIAL_LINK]->(b:Household)
  WHERE s.weight >= $min_weight AND b IN shown
  RETURN collect({source: a.id, target: b.id, weight: s.weight, visits: s.visits}) AS edges
}
RETURN total, nodes, edges
