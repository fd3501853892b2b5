// mode: read
// params: $job (str or null), $limit (int)
MATCH (r:JobRun)
WHERE $job IS NULL OR r.job = $job
RETURN r {.*} AS run
ORDER BY r.started DESC
LIMIT $limit
