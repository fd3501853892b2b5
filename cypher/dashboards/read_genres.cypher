// mode: read
// params: $limit (int). Genre names for filter widgets.
MATCH (g:Genre)
RETURN g.name AS genre
ORDER BY genre
LIMIT $limit
