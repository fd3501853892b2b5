// mode: write
// params: $rows: [{device, week (epoch ms of the Monday, UTC), persona, evidence (JSON), current, digest}],
// $run (str)
// One HAS_PERSONA per device and week: a week judged again with another persona moves its edge.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MERGE (p:Persona {name: row.persona})
WITH d, p, row
OPTIONAL MATCH (d)-[old:HAS_PERSONA {week: row.week}]->(q:Persona)
WHERE q.name <> row.persona
DELETE old
WITH d, p, row
MERGE (d)-[r:HAS_PERSONA {week: row.week}]->(p)
SET r.evidence = row.evidence, r.current = row.current, r.digest = row.digest, r.run = $run
