// mode: read
// params: $campaign (str or null: every campaign). One row per campaign and exposed device: the
// device's type and household (null when it has none), per-day parallel lists of its counts, and
// the times of its counted impressions (for the frequency cap).
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
WITH c, d, x.day AS day, sum(x.impressions) AS imp, sum(x.clicks) AS clk, sum(x.conversions) AS conv,
     sum(x.duplicates) AS dup,
     reduce(t = [], e IN collect(x) | t + [i IN range(0, size(e.kinds) - 1) WHERE e.kinds[i] = 'impression' | e.times[i]])
       AS times
ORDER BY day
WITH c, d, collect(day) AS days, collect(imp) AS impressions, collect(clk) AS clicks,
     collect(conv) AS conversions, collect(dup) AS duplicates,
     reduce(t = [], ts IN collect(times) | t + ts) AS times
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
RETURN c.id AS campaign, d.key AS device, d.type AS type, h.id AS household, days, impressions, clicks,
       conversions, duplicates, times
