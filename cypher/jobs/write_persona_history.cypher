// mode: write
// params: $rows: [{device, week (epoch ms of the Monday, UTC), persona, evidence (JSON), current, digest}],
// $run (str)
// One HAS_PERSONA per device and week, replacing the week's edge if there is one (a week judged again,
// with another persona or other evidence). The old edge is found by expanding from the device (a
// handful of edges), never through the index on week: that index holds every device's edge of the
// week, and the planner picks it for `(d)-[r {week: row.week}]->()`.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MERGE (p:Persona {name: row.persona})
WITH d, p, row, [r IN [(d)-[x:HAS_PERSONA]->() | x] WHERE r.week = row.week] AS old
FOREACH (r IN old | DELETE r)
CREATE (d)-[:HAS_PERSONA {week: row.week, evidence: row.evidence, current: row.current, digest: row.digest,
                          run: $run}]->(p)
