// mode: write
// params: $networks (list of map), $devices (list of map), $seen (list of map), $contents (list of map), $watched (list of map), $exposed (list of map), $households (list of map), $members (list of map), $homes (list of map), $links (list of map), $likes (list of map), $similar (list of map), $runs (list of map), $stats (list of map), $dead (list of map), $offsets (list of map)
// A small demo/test graph of the whole model from plain rows (see tests/integration/dash_fixture.py).
// Every write is a MERGE on the natural key, so seeding twice changes nothing.
CALL () { UNWIND $networks AS r MERGE (n:Network {key: r.key}) SET n += r }
CALL () { UNWIND $devices AS r MERGE (d:Device {key: r.key}) SET d += r }
CALL () {
  UNWIND $seen AS r
  MATCH (d:Device {key: r.device}), (n:Network {key: r.network})
  MERGE (d)-[s:SEEN_ON {hour: r.hour}]->(n)
  SET s.first = r.first, s.last = r.last, s.events = r.events, s.ids = r.ids
}
CALL () { UNWIND $contents AS r MERGE (c:Content {id: r.id}) SET c += r }
CALL () {
  UNWIND $watched AS r
  MATCH (d:Device {key: r.device}), (c:Content {id: r.content})
  MERGE (d)-[w:WATCHED]->(c)
  SET w.views = r.views, w.bookmarks = r.bookmarks, w.seconds = r.seconds, w.first = r.first, w.last = r.last
}
CALL () {
  UNWIND $exposed AS r
  MATCH (d:Device {key: r.device})
  MERGE (c:Campaign {id: r.campaign})
  MERGE (d)-[x:EXPOSED_TO]->(c)
  SET x.impressions = r.impressions, x.clicks = r.clicks, x.conversions = r.conversions,
      x.first = r.first, x.last = r.last
}
CALL () { UNWIND $households AS r MERGE (h:Household {id: r.id}) SET h += r }
CALL () {
  UNWIND $members AS r
  MATCH (d:Device {key: r.device}), (h:Household {id: r.household})
  MERGE (d)-[m:MEMBER_OF]->(h)
  SET m.confidence = r.confidence, m.evidence = r.evidence, m.run = r.run
}
CALL () {
  UNWIND $homes AS r
  MATCH (h:Household {id: r.household}), (n:Network {key: r.network})
  MERGE (h)-[x:HOME_NETWORK]->(n)
  SET x.hours = r.hours
}
CALL () {
  UNWIND $links AS r
  MATCH (a:Household {id: r.a}), (b:Household {id: r.b})
  MERGE (a)-[s:SOCIAL_LINK]->(b)
  SET s.weight = r.weight, s.visits = r.visits, s.first = r.first, s.last = r.last, s.evidence = r.evidence
}
CALL () {
  UNWIND $likes AS r
  MATCH (h:Household {id: r.household})
  MERGE (g:Genre {name: r.genre})
  MERGE (h)-[l:LIKES]->(g)
  SET l.score = r.score, l.share = r.share
}
CALL () {
  UNWIND $similar AS r
  MATCH (a:Household {id: r.a}), (b:Household {id: r.b})
  MERGE (a)-[s:SIMILAR_TO]->(b)
  SET s.score = r.score
}
CALL () { UNWIND $runs AS r MERGE (x:JobRun {id: r.id}) SET x += r }
CALL () { UNWIND $stats AS r MERGE (x:IngestStats {id: r.id}) SET x += r }
CALL () { UNWIND $dead AS r MERGE (x:DeadLetterCount {id: r.id}) SET x += r }
CALL () { UNWIND $offsets AS r MERGE (x:IngestOffset {id: r.id}) SET x += r }
RETURN size($households) AS households, size($devices) AS devices
