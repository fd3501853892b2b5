// mode: write
// params: $rows: [{a, b, score, rank}], $run (str)
UNWIND $rows AS row
MATCH (a:Household {id: row.a})
MATCH (b:Household {id: row.b})
MERGE (a)-[s:SIMILAR_TO]->(b)
SET s.score = row.score, s.rank = row.rank, s.run = $run
