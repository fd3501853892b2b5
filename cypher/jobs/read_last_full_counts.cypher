// mode: read
// params: $job (str): the counts (JSON) of the newest successful full run of $job
MATCH (r:JobRun {job: $job, status: 'succeeded'})
WHERE r.counts CONTAINS '"mode": "full"'
RETURN r.counts AS counts
ORDER BY r.started DESC
LIMIT 1
