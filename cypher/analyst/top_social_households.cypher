// mode: read
// params: $limit (int). Households with the most social links, with their strongest link weight.
MATCH (h:Household)-[s:SOCIAL_LINK]-(:Household)
RETURN h.id AS household, h.size AS size, count(s) AS links, max(s.weight) AS strongest
ORDER BY links DESC, household
LIMIT $limit
