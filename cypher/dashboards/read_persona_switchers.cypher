// mode: read
// params: $source, $target (persona names), $since (epoch ms), $lookback (ms), $limit (int). Devices
// judged $target in a week starting at or after $since after being $source at most $lookback
// before, with their households: "who turned from binger to ghoster in the last 4 weeks".
MATCH (d:Device)-[b:HAS_PERSONA]->(:Persona {name: $target})
WHERE b.week >= $since
MATCH (d)-[a:HAS_PERSONA]->(:Persona {name: $source})
WHERE b.week - $lookback <= a.week < b.week
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
WITH DISTINCT d, h, max(b.week) AS week
RETURN count(d) AS devices, count(DISTINCT h) AS households,
       collect({device: d.key, household: h.id, week: week, churn_risk: d.churn_risk})[..$limit] AS rows
