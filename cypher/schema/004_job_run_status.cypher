// mode: schema
// A take-over closes the job's runs left 'running' (jobs/acquire_lock) on every acquire: found
// by job and status here, not by scanning every run the job ever had. Idempotent.
CREATE INDEX job_run_status IF NOT EXISTS FOR (r:JobRun) ON (r.job, r.status);
