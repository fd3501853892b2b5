// mode: read
// params: $household (str), $limit (int), $top_content (int). One household's neighbourhood: members (with evidence), home networks (with class evidence), top content, socially linked and most similar households; at most $limit of each ($top_content contents).
MATCH (h:Household {id: $household})
CALL (h) {
  OPTIONAL MATCH (d:Device)-[m:MEMBER_OF]->(h)
  WITH d, m ORDER BY m.confidence DESC LIMIT $limit
  RETURN collect(CASE WHEN d IS NULL THEN NULL ELSE
    {key: d.key, type: d.type, events: d.events, first_seen: d.first_seen, last_seen: d.last_seen,
     confidence: m.confidence, evidence: m.evidence, run: m.run} END) AS devices
}
CALL (h) {
  OPTIONAL MATCH (h)-[:HOME_NETWORK]->(n:Network)
  WITH n ORDER BY n.last_seen DESC LIMIT $limit
  RETURN collect(CASE WHEN n IS NULL THEN NULL ELSE
    {key: n.key, family: n.family, class: n.class, class_evidence: n.class_evidence,
     first_seen: n.first_seen, last_seen: n.last_seen,
     devices: COUNT { (d:Device)-[:MEMBER_OF]->(h) WHERE EXISTS { (d)-[:SEEN_ON]->(n) } }} END) AS networks
}
CALL (h) {
  OPTIONAL MATCH (d:Device)-[:MEMBER_OF]->(h)
  OPTIONAL MATCH (d)-[:ACTIVE_ON]->(x:DeviceDay)
  UNWIND CASE WHEN x IS NULL THEN [] ELSE range(0, size(x.contents) - 1) END AS i
  WITH d, x.contents[i] AS id, coalesce(x.content_seconds[i], 0.0) AS secs, coalesce(x.content_views[i], 0) AS n
  WITH id, sum(secs) AS seconds, sum(n) AS views, collect(DISTINCT d.key) AS viewers
  ORDER BY seconds DESC LIMIT $top_content
  MATCH (c:Content {id: id})
  WITH c, seconds, views, viewers ORDER BY seconds DESC
  RETURN collect({id: c.id, title: c.title, kind: c.kind, genres: c.genres,
                  seconds: seconds, views: views, viewers: viewers}) AS contents
}
CALL (h) {
  OPTIONAL MATCH (h)-[s:SOCIAL_LINK]-(o:Household)
  WITH o, s ORDER BY s.weight DESC LIMIT $limit
  RETURN collect(CASE WHEN o IS NULL THEN NULL ELSE
    {id: o.id, size: o.size, weight: s.weight, visits: s.visits, first: s.first, last: s.last,
     evidence: s.evidence} END) AS neighbours
}
CALL (h) {
  OPTIONAL MATCH (h)-[s:SIMILAR_TO]->(o:Household)
  WITH o, s ORDER BY s.rank LIMIT $limit
  RETURN collect(CASE WHEN o IS NULL THEN NULL ELSE
    {id: o.id, size: o.size, score: s.score, rank: s.rank, top_genres: o.top_genres} END) AS similar
}
RETURN h {.*} AS household, devices, networks, contents, neighbours, similar
