// mode: read
// params: $campaign (str). Each household's latest score for the campaign.
MATCH (h:Household)-[p:PROPENSITY {campaign: $campaign}]->(:Campaign)
WITH h, p ORDER BY p.as_of DESC
WITH h, head(collect(p)) AS p
RETURN h.id AS household_id, p.score AS score, p.as_of AS as_of, p.model AS model, p.reasons AS reasons
ORDER BY score DESC
