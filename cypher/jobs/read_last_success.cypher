// mode: read
// params: $job (str)
MATCH (r:JobRun {job: $job, status: 'succeeded'})
RETURN r.started AS started, r.id AS id
ORDER BY r.started DESC
LIMIT 1
