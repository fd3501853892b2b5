// mode: schema
// Unique keys of the per-device relationships that ingest MERGEs. Without them every MERGE
// scans all of a device's SEEN_ON / WATCHED relationships (hundreds after two weeks); with them
// the planner seeks the relationship index. Idempotent.
CREATE CONSTRAINT seen_on_bucket IF NOT EXISTS FOR ()-[r:SEEN_ON]-() REQUIRE r.bucket IS UNIQUE;
CREATE CONSTRAINT watched_pair IF NOT EXISTS FOR ()-[w:WATCHED]-() REQUIRE w.pair IS UNIQUE;
