// mode: read
// params: $limit (int). Dead letters by day and reason (newest $limit rows).
MATCH (x:DeadLetterCount)
RETURN x.day AS day, x.reason AS reason, sum(x.count) AS count
ORDER BY day DESC, reason
LIMIT $limit
