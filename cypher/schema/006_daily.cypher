// mode: schema
// Per-day aggregates written by ingest: one DeviceDay per device and UTC day, one EXPOSED_ON per
// device, campaign, day and source. Idempotent.
CREATE CONSTRAINT device_day_id IF NOT EXISTS FOR (x:DeviceDay) REQUIRE x.id IS UNIQUE;
CREATE INDEX device_day_day IF NOT EXISTS FOR (x:DeviceDay) ON (x.day);
CREATE INDEX device_day_device IF NOT EXISTS FOR (x:DeviceDay) ON (x.device);
CREATE CONSTRAINT exposed_on_key IF NOT EXISTS FOR ()-[x:EXPOSED_ON]-() REQUIRE x.key IS UNIQUE;
CREATE INDEX exposed_on_day IF NOT EXISTS FOR ()-[x:EXPOSED_ON]-() ON (x.day);
