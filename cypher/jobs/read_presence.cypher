// mode: read
// params: $since (epoch ms), $devices (list of device keys, or null for all)
// Hour buckets of devices on networks: the evidence every graph job starts from.
MATCH (d:Device)-[r:SEEN_ON]->(n:Network)
WHERE r.hour >= $since AND ($devices IS NULL OR d.key IN $devices)
RETURN d.key AS device, d.type AS device_type, n.key AS network, n.family AS family,
       r.hour AS hour, r.events AS events
