// mode: schema
// Lookup indexes for the jobs and the app. Idempotent.
CREATE INDEX seen_on_hour IF NOT EXISTS FOR ()-[r:SEEN_ON]-() ON (r.hour);
CREATE INDEX network_class IF NOT EXISTS FOR (n:Network) ON (n.class);
CREATE INDEX device_last_seen IF NOT EXISTS FOR (d:Device) ON (d.last_seen);
CREATE INDEX job_run_job IF NOT EXISTS FOR (r:JobRun) ON (r.job, r.started);
CREATE INDEX dead_letter_day IF NOT EXISTS FOR (x:DeadLetterCount) ON (x.day);
