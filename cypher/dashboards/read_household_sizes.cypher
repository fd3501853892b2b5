// mode: read
// params: none. Number of households of each size.
MATCH (h:Household)
RETURN h.size AS size, count(*) AS households
ORDER BY size
