// mode: write
// params: $rows: [{device, persona, since, churn_risk, age_band, age_confidence, evidence}], $run (str)
// A device's current persona (with the ISO date it holds since and its evidence as JSON), churn
// risk and age band.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
SET d.persona = row.persona, d.persona_since = row.since, d.churn_risk = row.churn_risk,
    d.age_band = row.age_band, d.age_confidence = row.age_confidence,
    d.persona_evidence = row.evidence, d.persona_run = $run
