// mode: write
// params: $rows: [{household, genres: [{name, score, share}]}], $run (str)
// Genre affinity: score is the lift against the catalogue-wide popularity, share the raw share.
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
CALL (h) {
  MATCH (h)-[old:LIKES]->(:Genre)
  DELETE old
}
WITH h, row
UNWIND row.genres AS g
MERGE (genre:Genre {name: g.name})
MERGE (h)-[l:LIKES]->(genre)
SET l.score = g.score, l.share = g.share, l.run = $run
