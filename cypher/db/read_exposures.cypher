// mode: read
// params: none. Every EXPOSED_ON relationship's figures (tests, checks), in key order.
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
RETURN d.key AS device, c.id AS campaign, x.ads AS ads, x.day AS day, x.source AS source,
       x.impressions AS impressions, x.clicks AS clicks, x.conversions AS conversions,
       x.duplicates AS duplicates
ORDER BY x.key
