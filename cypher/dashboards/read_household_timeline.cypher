// mode: read
// params: $household (str), $limit (int). Hourly activity of the household's devices (newest $limit
// hour buckets; presence edges are per day with 24 per-hour counts).
MATCH (d:Device)-[:MEMBER_OF]->(:Household {id: $household})
MATCH (d)-[s:SEEN_ON]->(n:Network)
UNWIND [h IN range(0, 23) WHERE s.counts[h] > 0] AS h
RETURN s.day + h * 3600000 AS hour, d.key AS device, d.type AS type, n.class AS network_class,
       s.counts[h] AS events
ORDER BY hour DESC
LIMIT $limit
