// mode: read
// params: $campaign (str or null). The campaigns that have a record (contract §5), their plan.
MATCH (c:Campaign)
WHERE c.described AND ($campaign IS NULL OR c.id = $campaign)
RETURN c {.*} AS plan
ORDER BY c.id
