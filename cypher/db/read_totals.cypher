// mode: read
// params: none. Sums that must not change when events are replayed.
MATCH (d:Device)
WITH count(d) AS devices, sum(d.events) AS events
OPTIONAL MATCH ()-[s:SEEN_ON]->()
WITH devices, events, count(s) AS buckets, sum(s.events) AS bucket_events
OPTIONAL MATCH (w:DeviceDay)
WITH devices, events, buckets, bucket_events,
     sum(reduce(n = 0, v IN coalesce(w.content_views, []) | n + v)) AS views,
     sum(reduce(s = 0.0, v IN coalesce(w.content_seconds, []) | s + v)) AS seconds
OPTIONAL MATCH ()-[x:EXPOSED_ON]->()
WITH devices, events, buckets, bucket_events, views, seconds,
     sum(x.impressions) AS impressions, sum(x.clicks) AS clicks, sum(x.conversions) AS conversions,
     sum(x.duplicates) AS ad_duplicates
OPTIONAL MATCH (n:Network)
WITH devices, events, buckets, bucket_events, views, seconds, impressions, clicks, conversions,
     ad_duplicates, count(n) AS networks
OPTIONAL MATCH (c:Content)
WITH devices, events, buckets, bucket_events, views, seconds, impressions, clicks, conversions,
     ad_duplicates, networks, count(c) AS contents
OPTIONAL MATCH (y:DeviceDay)
RETURN devices, events, buckets, bucket_events, views, seconds, impressions, clicks, conversions,
       ad_duplicates, networks, contents, count(y) AS device_days,
       sum(y.views + y.impressions + y.clicks + y.searches + y.conversions + y.bookmarks) AS day_events,
       sum(y.seconds) AS day_seconds
