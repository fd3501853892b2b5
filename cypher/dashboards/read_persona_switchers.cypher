// mode: read
// params: $source, $target (persona names), $since (epoch ms), $limit (int). Devices whose judged
// weeks went straight from $source to $target in a week starting at or after $since, with their
// households: "who turned from binger to ghoster in the last 4 weeks".
MATCH (d:Device)-[b:HAS_PERSONA]->(:Persona {name: $target})
WHERE b.week >= $since
MATCH (d)-[a:HAS_PERSONA]->(:Persona {name: $source})
WHERE a.week < b.week AND NOT EXISTS { (d)-[c:HAS_PERSONA]->() WHERE a.week < c.week < b.week }
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
WITH DISTINCT d, h, b.week AS week
RETURN count(d) AS devices, count(DISTINCT h) AS households,
       collect({device: d.key, household: h.id, week: week, churn_risk: d.churn_risk})[..$limit] AS rows
