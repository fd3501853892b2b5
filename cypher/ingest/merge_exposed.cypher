// mode: write
// params: $rows: [{device, campaign, impressions, clicks, conversions, first, last}] — new events only
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MERGE (c:Campaign {id: row.campaign})
MERGE (d)-[x:EXPOSED_TO]->(c)
  ON CREATE SET x.impressions = row.impressions, x.clicks = row.clicks, x.conversions = row.conversions,
                x.first = row.first, x.last = row.last
  ON MATCH SET x.impressions = x.impressions + row.impressions, x.clicks = x.clicks + row.clicks,
               x.conversions = x.conversions + row.conversions,
               x.first = CASE WHEN row.first < x.first THEN row.first ELSE x.first END,
               x.last = CASE WHEN row.last > x.last THEN row.last ELSE x.last END
