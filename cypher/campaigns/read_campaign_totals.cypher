// mode: read
// params: $campaign (str or null: every campaign). Headline counts per campaign, aggregated in the
// server (the report of every campaign must take seconds, not a transfer of every exposure): counts,
// devices and households reached (a device without a household counts as one) and households per
// frequency bucket (impressions per household: 1, 2, 3, 4-5, 6-10, >10).
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
WITH c, d, sum(x.impressions) AS imp, sum(x.clicks) AS clk, sum(x.conversions) AS conv,
     sum(x.duplicates) AS dup, max(x.last) AS last
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
WITH c, coalesce(h.id, 'device:' + d.key) AS hh, count(d) AS devices, sum(imp) AS imp, sum(clk) AS clk,
     sum(conv) AS conv, sum(dup) AS dup, max(last) AS last
RETURN c.id AS campaign, sum(imp) AS impressions, sum(clk) AS clicks, sum(conv) AS conversions,
       sum(dup) AS duplicates, sum(devices) AS devices_reached, count(hh) AS households_reached,
       max(last) AS last,
       [sum(CASE WHEN imp = 1 THEN 1 ELSE 0 END), sum(CASE WHEN imp = 2 THEN 1 ELSE 0 END),
        sum(CASE WHEN imp = 3 THEN 1 ELSE 0 END), sum(CASE WHEN 4 <= imp <= 5 THEN 1 ELSE 0 END),
        sum(CASE WHEN 6 <= imp <= 10 THEN 1 ELSE 0 END), sum(CASE WHEN imp > 10 THEN 1 ELSE 0 END)]
         AS frequency
ORDER BY campaign
