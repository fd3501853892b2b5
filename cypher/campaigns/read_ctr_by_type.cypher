// mode: read
// params: $campaign (str or null: all campaigns). Impressions and clicks per device type (observed CTR).
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
RETURN coalesce(d.type, 'other') AS type, sum(x.impressions) AS impressions, sum(x.clicks) AS clicks
ORDER BY type
