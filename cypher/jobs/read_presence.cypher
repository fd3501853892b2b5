// mode: read
// params: $since (epoch ms), $devices (list of device keys, or null for all)
// Hour buckets of devices on networks — the evidence every graph job starts from — grouped per
// (device, network) so that a large graph streams as few records as possible.
MATCH (d:Device)-[r:SEEN_ON]->(n:Network)
WHERE ($devices IS NULL OR d.key IN $devices) AND r.hour >= $since
WITH d, n, collect(r.hour) AS hours, collect(r.events) AS events
RETURN d.key AS device, d.type AS device_type, n.key AS network, n.family AS family, hours, events
