// mode: write
// params: $rows: [{bucket, device, network, day, first, last, ids: [event id], hours: [hour of each id],
//   counts: [24 ints]}]
// One (device)-[:SEEN_ON {bucket}]->(network) edge per device, network and UTC day (`day` = epoch ms of
// its start) with `counts`, the events per UTC hour. The edge keeps the keyed ids of its events and
// counts only ids it has not seen: a replay or a duplicate changes nothing. The device's `events`
// grows by the same new ids (it is matched here anyway: one statement fewer per batch). Returns the
// ids that were new, so the caller aggregates views and ad exposures of those only.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (n:Network {key: row.network})
MERGE (d)-[r:SEEN_ON {bucket: row.bucket}]->(n)
  ON CREATE SET r.day = row.day, r.ids = [], r.events = 0, r.counts = [h IN range(0, 23) | 0],
                r.first = row.first, r.last = row.last
WITH d, r, row, [i IN range(0, size(row.ids) - 1) WHERE NOT row.ids[i] IN r.ids] AS at
SET r.ids = r.ids + [i IN at | row.ids[i]],
    r.counts = CASE WHEN size(at) = size(row.ids) THEN [h IN range(0, 23) | r.counts[h] + row.counts[h]]
                    ELSE [h IN range(0, 23) | r.counts[h] + size([i IN at WHERE row.hours[i] = h])] END,
    r.events = r.events + size(at),
    r.first = CASE WHEN row.first < r.first THEN row.first ELSE r.first END,
    r.last = CASE WHEN row.last > r.last THEN row.last ELSE r.last END,
    d.events = d.events + size(at)
WITH row, at WHERE size(at) > 0
UNWIND at AS i
RETURN collect(row.ids[i]) AS fresh
