// mode: write
// params: $rows: [{device, dtype, network, family, hour, first, last,
//                  events: [{id, ts, event, content, secs, campaign}]}]
// Upserts devices, networks and the (device)-[:SEEN_ON {hour}]->(network) bucket edges.
// Each bucket keeps the keyed ids of its events, so only events it has not seen before are
// counted (views, seconds, ad exposures): a replay or duplicate changes nothing.
UNWIND $rows AS row
MERGE (d:Device {key: row.device})
  ON CREATE SET d.first_seen = row.first, d.last_seen = row.last, d.events = 0
SET d.first_seen = CASE WHEN row.first < d.first_seen THEN row.first ELSE d.first_seen END,
    d.last_seen = CASE WHEN row.last > d.last_seen THEN row.last ELSE d.last_seen END,
    d.type = coalesce(row.dtype, d.type)
MERGE (n:Network {key: row.network})
  ON CREATE SET n.family = row.family, n.first_seen = row.first, n.last_seen = row.last
SET n.first_seen = CASE WHEN row.first < n.first_seen THEN row.first ELSE n.first_seen END,
    n.last_seen = CASE WHEN row.last > n.last_seen THEN row.last ELSE n.last_seen END
MERGE (d)-[r:SEEN_ON {hour: row.hour}]->(n)
  ON CREATE SET r.ids = [], r.events = 0, r.first = row.first, r.last = row.last
WITH d, r, row, [e IN row.events WHERE NOT e.id IN r.ids] AS fresh
SET r.ids = r.ids + [e IN fresh | e.id],
    r.events = r.events + size(fresh),
    r.first = CASE WHEN row.first < r.first THEN row.first ELSE r.first END,
    r.last = CASE WHEN row.last > r.last THEN row.last ELSE r.last END,
    d.events = d.events + size(fresh)
WITH d, fresh WHERE size(fresh) > 0
CALL (d, fresh) {
  UNWIND fresh AS e
  WITH e WHERE e.content IS NOT NULL AND e.event IN ['view', 'bookmark']
  WITH e.content AS cid,
       sum(CASE e.event WHEN 'view' THEN 1 ELSE 0 END) AS views,
       sum(CASE e.event WHEN 'bookmark' THEN 1 ELSE 0 END) AS bookmarks,
       sum(e.secs) AS secs, min(e.ts) AS first, max(e.ts) AS last
  MERGE (c:Content {id: cid})
  MERGE (d)-[w:WATCHED]->(c)
    ON CREATE SET w.views = 0, w.bookmarks = 0, w.seconds = 0.0, w.first = first, w.last = last
  SET w.views = w.views + views,
      w.bookmarks = w.bookmarks + bookmarks,
      w.seconds = w.seconds + secs,
      w.first = CASE WHEN first < w.first THEN first ELSE w.first END,
      w.last = CASE WHEN last > w.last THEN last ELSE w.last END
}
CALL (d, fresh) {
  UNWIND fresh AS e
  WITH e WHERE e.event IN ['impression', 'click', 'conversion']
  WITH coalesce(e.campaign, '(none)') AS cid,
       sum(CASE e.event WHEN 'impression' THEN 1 ELSE 0 END) AS impressions,
       sum(CASE e.event WHEN 'click' THEN 1 ELSE 0 END) AS clicks,
       sum(CASE e.event WHEN 'conversion' THEN 1 ELSE 0 END) AS conversions,
       min(e.ts) AS first, max(e.ts) AS last
  MERGE (c:Campaign {id: cid})
  MERGE (d)-[x:EXPOSED_TO]->(c)
    ON CREATE SET x.impressions = 0, x.clicks = 0, x.conversions = 0, x.first = first, x.last = last
  SET x.impressions = x.impressions + impressions,
      x.clicks = x.clicks + clicks,
      x.conversions = x.conversions + conversions,
      x.first = CASE WHEN first < x.first THEN first ELSE x.first END,
      x.last = CASE WHEN last > x.last THEN last ELSE x.last END
}
RETURN sum(size(fresh)) AS fresh
