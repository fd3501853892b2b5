// mode: read
// params: $household (str), $limit (int). Hourly activity of the household's devices (newest $limit buckets).
MATCH (d:Device)-[:MEMBER_OF]->(:Household {id: $household})
MATCH (d)-[s:SEEN_ON]->(n:Network)
RETURN s.hour AS hour, d.key AS device, d.type AS type, n.class AS network_class, s.events AS events
ORDER BY hour DESC
LIMIT $limit
