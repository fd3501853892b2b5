// mode: read
// params: $skip (int), $limit (int)
// Every string (and string-list element) stored on nodes and relationships, paged — for the
// privacy scan that proves no raw MAC or IP reached the graph.
CALL () {
  MATCH (n) RETURN properties(n) AS props
  UNION ALL
  MATCH ()-[r]->() RETURN properties(r) AS props
}
WITH props SKIP $skip LIMIT $limit
WITH collect(props) AS page
RETURN size(page) AS seen,
       reduce(acc = [], p IN page |
         acc + reduce(inner = [], k IN keys(p) |
           inner + CASE
             WHEN p[k] IS :: STRING THEN [p[k]]
             WHEN p[k] IS :: LIST<ANY> THEN [x IN p[k] WHERE x IS :: STRING]
             ELSE [] END)) AS strings
