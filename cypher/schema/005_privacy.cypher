// mode: schema
// The suppression list of erased devices (one node per digest) and the audit records. Idempotent.
CREATE CONSTRAINT erased_device_digest IF NOT EXISTS FOR (e:ErasedDevice) REQUIRE e.digest IS UNIQUE;
CREATE INDEX audit_record_action IF NOT EXISTS FOR (a:AuditRecord) ON (a.action, a.at);
