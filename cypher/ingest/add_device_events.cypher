// mode: write
// params: $rows: [{device, fresh}] — how many new events each device had in the batch
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
SET d.events = d.events + row.fresh
