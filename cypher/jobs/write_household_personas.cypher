// mode: write
// params: $rows: [{household, personas, counts, audience, churn_risk}], $run (str)
// A household's persona mix (parallel lists), audience (its devices' age bands) and churn risk.
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
SET h.persona_names = row.personas, h.persona_counts = row.counts, h.audience = row.audience,
    h.churn_risk = row.churn_risk, h.persona_run = $run
