// mode: read
// params: $since_day (epoch ms of a UTC day's start), $devices (list of device keys, or null for all)
// Presence of devices on networks — the evidence every graph job starts from: one SEEN_ON edge per
// device, network and UTC day with 24 per-hour event counts, grouped per (device, network) so that a
// large graph streams as few records as possible (graph.jobs.reads expands them to hour buckets).
MATCH (d:Device)-[r:SEEN_ON]->(n:Network)
WHERE ($devices IS NULL OR d.key IN $devices) AND r.day >= $since_day
WITH d, n, collect(r.day) AS days, collect(r.counts) AS counts
RETURN d.key AS device, d.type AS device_type, n.key AS network, n.family AS family, days, counts
