// mode: read
// params: $per_job (int). The newest $per_job runs of every job.
MATCH (r:JobRun)
WITH r ORDER BY r.started DESC
WITH r.job AS job, collect(r {.id, .job, .started, .ended, .status, .counts, .params, .error, .duration_s, .abandoned_at, .abandoned_by})[..$per_job] AS runs
UNWIND runs AS run
RETURN run
ORDER BY run.job, run.started DESC
