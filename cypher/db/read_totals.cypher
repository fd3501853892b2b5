// mode: read
// params: none. Sums that must not change when events are replayed.
MATCH (d:Device)
WITH count(d) AS devices, sum(d.events) AS events
OPTIONAL MATCH ()-[s:SEEN_ON]->()
WITH devices, events, count(s) AS buckets, sum(s.events) AS bucket_events
OPTIONAL MATCH ()-[w:WATCHED]->()
WITH devices, events, buckets, bucket_events, sum(w.views) AS views, sum(w.seconds) AS seconds
OPTIONAL MATCH ()-[x:EXPOSED_TO]->()
WITH devices, events, buckets, bucket_events, views, seconds,
     sum(x.impressions) AS impressions, sum(x.clicks) AS clicks, sum(x.conversions) AS conversions
OPTIONAL MATCH (n:Network)
WITH devices, events, buckets, bucket_events, views, seconds, impressions, clicks, conversions,
     count(n) AS networks
OPTIONAL MATCH (c:Content)
RETURN devices, events, buckets, bucket_events, views, seconds, impressions, clicks, conversions,
       networks, count(c) AS contents
