// mode: read
// params: $pairs: [{campaign, unit}]. The impression times (unsorted) of the named units of the
// campaigns' frequency caps: a household id (its member devices), 'device:' + key (a device without a
// household) or, for a per-device cap, a device key. The campaigns job's incremental run.
UNWIND $pairs AS p
MATCH (c:Campaign {id: p.campaign})
CALL (p, c) {
  MATCH (:Household {id: p.unit})<-[:MEMBER_OF]-(:Device)-[x:EXPOSED_ON]->(c)
  WHERE coalesce(c.cap_per, 'household') <> 'device'
  RETURN x
  UNION ALL
  MATCH (d:Device {key: CASE WHEN p.unit STARTS WITH 'device:' THEN substring(p.unit, 7) ELSE p.unit END})
        -[x:EXPOSED_ON]->(c)
  WHERE c.cap_per = 'device' OR (p.unit STARTS WITH 'device:' AND NOT EXISTS { (d)-[:MEMBER_OF]->() })
  RETURN x
}
WITH p, [i IN range(0, size(x.kinds) - 1) WHERE x.kinds[i] = 'impression' | x.times[i]] AS ts
WITH p, collect(ts) AS tss
RETURN p.campaign AS campaign, p.unit AS unit, reduce(t = [], ts IN tss | t + ts) AS times
