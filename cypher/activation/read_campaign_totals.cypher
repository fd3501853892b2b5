// mode: read
// params: none. Impressions, clicks and conversions per campaign over all devices (spend by cost model).
MATCH (:Device)-[x:EXPOSED_ON]->(c:Campaign)
RETURN c.id AS campaign_id, sum(x.impressions) AS impressions, sum(x.clicks) AS clicks,
       sum(x.conversions) AS conversions
