// mode: read
// params: $limit (int). Genres liked by the most households, with their mean affinity.
MATCH (h:Household)-[l:LIKES]->(g:Genre)
RETURN g.name AS genre, count(h) AS households, avg(l.score) AS mean_score
ORDER BY households DESC, genre
LIMIT $limit
