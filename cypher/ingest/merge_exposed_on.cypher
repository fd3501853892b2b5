// mode: write
// params: $rows: [{key, device, campaign, day, source, events: [{ts, kind, ad}], copies, first, last}]
// — fresh ad events only, sorted by campaign; merge_campaign_ids has created every campaign.
// One (device)-[:EXPOSED_ON {key}]->(campaign) per device, campaign, UTC day and source. It keeps the
// time, kind and ad of every event it counted (parallel lists `times`, `kinds`, `ads`), so a re-sent
// copy of an ad event (same kind and ad within 2 s, under another id) that arrives in a later batch
// is counted as a duplicate, not again. `first`/`last` are those of counted events only (a copy
// moves neither, whichever batch it arrives in).
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (c:Campaign {id: row.campaign})
MERGE (d)-[x:EXPOSED_ON {key: row.key}]->(c)
  ON CREATE SET x.day = row.day, x.source = row.source, x.times = [], x.kinds = [], x.ads = [],
                x.impressions = 0, x.clicks = 0, x.conversions = 0, x.duplicates = 0,
                x.first = row.first, x.last = row.last
WITH x, row, [e IN row.events WHERE none(i IN range(0, size(x.times) - 1)
              WHERE x.kinds[i] = e.kind AND x.ads[i] = e.ad AND abs(x.times[i] - e.ts) <= 2000)] AS counted
SET x.times = x.times + [e IN counted | e.ts],
    x.kinds = x.kinds + [e IN counted | e.kind],
    x.ads = x.ads + [e IN counted | e.ad],
    x.impressions = x.impressions + size([e IN counted WHERE e.kind = 'impression']),
    x.clicks = x.clicks + size([e IN counted WHERE e.kind = 'click']),
    x.conversions = x.conversions + size([e IN counted WHERE e.kind = 'conversion']),
    x.duplicates = x.duplicates + row.copies + size(row.events) - size(counted),
    x.first = reduce(f = x.first, e IN counted | CASE WHEN e.ts < f THEN e.ts ELSE f END),
    x.last = reduce(l = x.last, e IN counted | CASE WHEN e.ts > l THEN e.ts ELSE l END)
