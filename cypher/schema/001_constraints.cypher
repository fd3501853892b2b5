// mode: schema
// Uniqueness on every natural key, before any MERGE relies on it. Idempotent.
CREATE CONSTRAINT device_key IF NOT EXISTS FOR (d:Device) REQUIRE d.key IS UNIQUE;
CREATE CONSTRAINT network_key IF NOT EXISTS FOR (n:Network) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT content_id IF NOT EXISTS FOR (c:Content) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (c:Campaign) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT genre_name IF NOT EXISTS FOR (g:Genre) REQUIRE g.name IS UNIQUE;
CREATE CONSTRAINT household_id IF NOT EXISTS FOR (h:Household) REQUIRE h.id IS UNIQUE;
CREATE CONSTRAINT ingest_offset_id IF NOT EXISTS FOR (o:IngestOffset) REQUIRE o.id IS UNIQUE;
CREATE CONSTRAINT dead_letter_count_id IF NOT EXISTS FOR (x:DeadLetterCount) REQUIRE x.id IS UNIQUE;
CREATE CONSTRAINT ingest_stats_id IF NOT EXISTS FOR (s:IngestStats) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT job_run_id IF NOT EXISTS FOR (r:JobRun) REQUIRE r.id IS UNIQUE;
CREATE CONSTRAINT job_lock_job IF NOT EXISTS FOR (l:JobLock) REQUIRE l.job IS UNIQUE;
