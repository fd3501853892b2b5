// mode: write
// params: $rows: [{a, b, weight, visits, first, last, evidence (JSON str)}] with a < b, $run (str)
UNWIND $rows AS row
MATCH (a:Household {id: row.a})
MATCH (b:Household {id: row.b})
MERGE (a)-[l:SOCIAL_LINK]->(b)
SET l.weight = row.weight, l.visits = row.visits, l.first = row.first, l.last = row.last,
    l.evidence = row.evidence, l.run = $run
