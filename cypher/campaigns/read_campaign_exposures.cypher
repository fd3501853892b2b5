// mode: read
// params: $campaign (str or null: every campaign). One row per campaign and exposed device: the
// device's type and household (null when it has none) and per-day parallel lists of its counts (the
// units over the frequency cap come from the campaigns job, read_stored_over_cap).
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
WITH c, d, x.day AS day, sum(x.impressions) AS imp, sum(x.clicks) AS clk, sum(x.conversions) AS conv,
     sum(x.duplicates) AS dup
ORDER BY day
WITH c, d, collect(day) AS days, collect(imp) AS impressions, collect(clk) AS clicks,
     collect(conv) AS conversions, collect(dup) AS duplicates
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
RETURN c.id AS campaign, d.key AS device, d.type AS type, h.id AS household, days, impressions, clicks,
       conversions, duplicates
