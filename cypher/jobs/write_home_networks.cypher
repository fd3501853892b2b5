// mode: write
// params: $rows: [{household, networks: [{network, hours}]}], $run (str)
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
CALL (h) {
  MATCH (h)-[old:HOME_NETWORK]->(:Network)
  DELETE old
}
WITH h, row
UNWIND row.networks AS hn
MATCH (n:Network {key: hn.network})
MERGE (h)-[r:HOME_NETWORK]->(n)
SET r.hours = hn.hours, r.run = $run
