// mode: read
// params: $campaign (str or null). Counts and duplicates per campaign and source (the property that
// logged the ad events).
MATCH ()-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
RETURN c.id AS campaign, x.source AS source, sum(x.impressions) AS impressions, sum(x.clicks) AS clicks,
       sum(x.conversions) AS conversions, sum(x.duplicates) AS duplicates
ORDER BY campaign, source
