// mode: read
// params: $job (str), $run (str): the newest run of $job other than $run
MATCH (r:JobRun {job: $job})
WHERE r.id <> $run
RETURN r {.id, .status, .started, .ended, .error, .abandoned_at} AS run
ORDER BY r.started DESC
LIMIT 1
