// mode: read
// params: $campaign (str or null: every campaign). Per campaign with exposures, the impressions of each
// unit of its frequency cap (the household, a device without one counting as its own; the device for
// a per-device cap) that saw any, aggregated in the server: one row per campaign with parallel lists.
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
WITH c, d, sum(x.impressions) AS imp
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
WITH c, CASE WHEN c.cap_per = 'device' THEN d.key ELSE coalesce(h.id, 'device:' + d.key) END AS unit,
     sum(imp) AS imp
WITH c, collect(CASE WHEN imp > 0 THEN {unit: unit, n: imp} END) AS seen
RETURN c.id AS campaign, [s IN seen | s.unit] AS units, [s IN seen | s.n] AS counts
ORDER BY campaign
