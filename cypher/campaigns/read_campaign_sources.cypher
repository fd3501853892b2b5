// mode: read
// params: $campaign (str or null). Counts and duplicates per campaign and source (the property that
// logged the ad events), with the households reached through that source (a device without a
// household counts as one) so a marketer's view can hide sources under k households.
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
WITH c, x.source AS source, d, sum(x.impressions) AS imp, sum(x.clicks) AS clk, sum(x.conversions) AS conv,
     sum(x.duplicates) AS dup
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
RETURN c.id AS campaign, source, sum(imp) AS impressions, sum(clk) AS clicks, sum(conv) AS conversions,
       sum(dup) AS duplicates, count(DISTINCT coalesce(h.id, 'device:' + d.key)) AS households
ORDER BY campaign, source
