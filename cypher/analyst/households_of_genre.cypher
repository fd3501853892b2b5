// mode: read
// params: $genre (str), $limit (int). Households liking a genre, strongest affinity first, as a graph.
MATCH (h:Household)-[l:LIKES]->(g:Genre {name: $genre})
RETURN h, l, g
ORDER BY l.score DESC
LIMIT $limit
