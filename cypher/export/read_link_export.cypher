// mode: read
// params: none. Contract section 4: social links, stored from the lower to the higher id.
MATCH (a:Household)-[l:SOCIAL_LINK]->(b:Household)
RETURN a.id AS household_a, b.id AS household_b, l.weight AS weight, l.evidence AS evidence
ORDER BY household_a, household_b
