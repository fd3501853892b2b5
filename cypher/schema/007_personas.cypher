// mode: schema
// Personas: one node per persona name; HAS_PERSONA edges found by week. Idempotent.
CREATE CONSTRAINT persona_name IF NOT EXISTS FOR (p:Persona) REQUIRE p.name IS UNIQUE;
CREATE INDEX has_persona_week IF NOT EXISTS FOR ()-[r:HAS_PERSONA]-() ON (r.week);
CREATE INDEX device_persona IF NOT EXISTS FOR (d:Device) ON (d.persona);
