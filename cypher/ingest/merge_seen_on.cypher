// mode: write
// params: $rows: [{bucket, device, network, hour, first, last, ids: [event id]}]
// One (device)-[:SEEN_ON {hour}]->(network) edge per hour bucket. The edge keeps the keyed ids
// of its events and counts only ids it has not seen: a replay or a duplicate changes nothing.
// The device's `events` grows by the same new ids (it is matched here anyway: one statement
// fewer per batch). Returns the ids that were new, so the caller aggregates views and ad
// exposures of those only.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (n:Network {key: row.network})
MERGE (d)-[r:SEEN_ON {bucket: row.bucket}]->(n)
  ON CREATE SET r.hour = row.hour, r.ids = [], r.events = 0, r.first = row.first, r.last = row.last
WITH d, r, row, [id IN row.ids WHERE NOT id IN r.ids] AS fresh
SET r.ids = r.ids + fresh,
    r.events = r.events + size(fresh),
    r.first = CASE WHEN row.first < r.first THEN row.first ELSE r.first END,
    r.last = CASE WHEN row.last > r.last THEN row.last ELSE r.last END,
    d.events = d.events + size(fresh)
WITH fresh WHERE size(fresh) > 0
UNWIND fresh AS id
RETURN collect(id) AS fresh
