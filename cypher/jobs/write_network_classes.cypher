// mode: write
// params: $rows: [{network, class, evidence (JSON str)}], $run (str)
UNWIND $rows AS row
MATCH (n:Network {key: row.network})
SET n.class = row.class, n.class_evidence = row.evidence, n.class_run = $run
