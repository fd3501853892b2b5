// mode: write
// params: $rows: [{device, week (epoch ms of the Monday, UTC), persona, evidence (JSON), current, digest}],
// $run (str)
// HAS_PERSONA edges of weeks that have none yet: the job creates them only for (device, week) pairs
// it read no digest for in the same run, under the job's lease (so no other run writes meanwhile);
// jobs/merge_personas made the Persona nodes. A plain CREATE: a MERGE here would search the week's
// edges of every device (the relationship index on week), which grows with the graph.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (p:Persona {name: row.persona})
CREATE (d)-[:HAS_PERSONA {week: row.week, evidence: row.evidence, current: row.current, digest: row.digest,
                          run: $run}]->(p)
