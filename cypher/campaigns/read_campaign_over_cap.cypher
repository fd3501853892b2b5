// mode: read
// params: $campaign (str or null). Per campaign, the households (devices, for a per-device cap) whose
// impressions exceed the frequency cap within some window of the cap's length (a campaign without a
// record: 3 per hour per household). One global sort of the impression times, then a sliding check:
// more than `cap` impressions in a window of w ms means ts[i + cap] - ts[i] < w for some i.
MATCH (d:Device)-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
WITH c, CASE WHEN c.cap_per = 'device' THEN d.key ELSE coalesce(h.id, 'device:' + d.key) END AS unit, x
UNWIND [i IN range(0, size(x.kinds) - 1) WHERE x.kinds[i] = 'impression' | x.times[i]] AS t
WITH c, unit, t ORDER BY t
WITH c, unit, collect(t) AS ts, coalesce(c.cap_max, 3) AS cap, coalesce(c.cap_window_s, 3600) * 1000 AS w
RETURN c.id AS campaign,
       sum(CASE WHEN any(i IN range(0, size(ts) - 1 - cap) WHERE ts[i + cap] - ts[i] < w) THEN 1 ELSE 0 END)
         AS over_cap
ORDER BY campaign
