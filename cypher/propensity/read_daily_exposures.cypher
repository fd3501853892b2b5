// mode: read
// params: none. Per device, campaign and UTC day (epoch ms of midnight): ad event counts, with the
// device's current household. Reads the per-day exposure model (EXPOSED_ON {day, impressions, clicks,
// conversions}); the cumulative EXPOSED_TO totals carry no time and cannot be decayed.
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
MATCH (d)-[:MEMBER_OF]->(h:Household)
RETURN h.id AS household, d.key AS device, c.id AS campaign_id, x.day AS day,
       x.impressions AS impressions, x.clicks AS clicks, x.conversions AS conversions
