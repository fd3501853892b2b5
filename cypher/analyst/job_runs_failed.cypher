// mode: read
// params: $limit (int). The newest failed job runs and their errors.
MATCH (r:JobRun {status: 'failed'})
RETURN r.job AS job, r.id AS run, r.started AS started, r.error AS error
ORDER BY started DESC
LIMIT $limit
