// mode: schema
// Presence is one SEEN_ON edge per device, network and UTC day (24 per-hour counts), found by day by
// the jobs' reads and retention. Idempotent.
CREATE INDEX seen_on_day IF NOT EXISTS FOR ()-[r:SEEN_ON]-() ON (r.day);
