// mode: read
// params: $as_of (epoch ms). Every stored score of that moment (all campaigns), with its model's hash.
MATCH (h:Household)-[p:PROPENSITY {as_of: $as_of}]->(c:Campaign)
RETURN h.id AS household, c.id AS campaign, p.score AS score, p.model AS model
