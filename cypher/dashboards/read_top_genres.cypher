// mode: read
// params: $limit (int). Genres among the most households' top genres (the affinity job's top by lift), with their mean lift there.
MATCH (h:Household)-[l:LIKES]->(g:Genre)
WHERE g.name IN h.top_genres
RETURN g.name AS genre, count(h) AS households, avg(l.score) AS mean_score
ORDER BY households DESC, genre
LIMIT $limit
