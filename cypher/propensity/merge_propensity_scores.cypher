// mode: write
// params: $rows: [{household, campaign, score, reasons (JSON str)}], $as_of (epoch ms), $model (hash)
// One PROPENSITY edge per household, campaign, as_of and model: earlier scores stay (history), a rerun
// of the same model for the same moment overwrites its own edge.
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
MATCH (c:Campaign {id: row.campaign})
MERGE (h)-[p:PROPENSITY {campaign: row.campaign, as_of: $as_of, model: $model}]->(c)
SET p.score = row.score, p.reasons = row.reasons
