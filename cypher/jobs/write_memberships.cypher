// mode: write
// params: $rows: [{device, household, confidence, evidence (JSON str), pending (str|null), pending_runs (int|null), pending_since (int|null), provisional (bool)}], $run (str)
// A device belongs to one household: a membership elsewhere is removed first. pending: a move
// full runs proposed and held (graph.households.hold), the count of runs in a row and the first
// run's time (epoch ms); provisional: placed by incremental runs only, no full run's word yet.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (h:Household {id: row.household})
CALL (d, h) {
  MATCH (d)-[old:MEMBER_OF]->(other:Household)
  WHERE other <> h
  DELETE old
}
MERGE (d)-[m:MEMBER_OF]->(h)
SET m.confidence = row.confidence, m.evidence = row.evidence, m.run = $run,
    m.pending = row.pending, m.pending_runs = row.pending_runs, m.pending_since = row.pending_since,
    m.provisional = row.provisional
