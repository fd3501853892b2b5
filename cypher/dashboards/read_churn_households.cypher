// mode: read
// params: $limit (int: rows of the analysts' list). Households per churn risk, and the riskiest
// households with their persona mix and audience.
MATCH (h:Household)
WHERE h.churn_risk IS NOT NULL
WITH h.churn_risk AS risk, count(h) AS households,
     collect({id: h.id, personas: h.persona_names, counts: h.persona_counts, audience: h.audience})[..$limit] AS sample
RETURN risk, households, sample
