// mode: read
// params: $campaign (str or null). The impression times (unsorted) of every unit of every campaign's
// frequency cap (the household, a device without one counting as its own; the device for a per-device
// cap): the campaigns job's full run.
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE ($campaign IS NULL OR c.id = $campaign) AND x.impressions > 0
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
WITH c, CASE WHEN c.cap_per = 'device' THEN d.key ELSE coalesce(h.id, 'device:' + d.key) END AS unit,
     [i IN range(0, size(x.kinds) - 1) WHERE x.kinds[i] = 'impression' | x.times[i]] AS ts
WITH c, unit, collect(ts) AS tss
RETURN c.id AS campaign, unit, reduce(t = [], ts IN tss | t + ts) AS times
