// mode: read
// params: none. Contract section 6: one row per device with a persona.
MATCH (d:Device)
WHERE d.persona IS NOT NULL
RETURN d.key AS device_key, d.persona AS persona, d.persona_since AS since, d.age_band AS age_band,
       d.churn_risk AS churn_risk, d.persona_evidence AS evidence
ORDER BY device_key
