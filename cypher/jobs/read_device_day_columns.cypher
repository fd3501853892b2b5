// mode: read
// params: $devices (list of device keys, or null for every device), $since (epoch ms: the oldest UTC
// day read), $night and $daytime (lists of UTC hours).
// The per-device-day aggregate ingest keeps (DeviceDay, linked by ACTIVE_ON) as ONE record per device:
// parallel lists over its days, in no particular order (graph.device_columns describes them and
// sorts them: cheaper in numpy than in the query). Events per UTC hour
// are summed here into night and daytime counts; a day's contents are returned only when it has series.
MATCH (d:Device)-[:ACTIVE_ON]->(x:DeviceDay)
WHERE ($devices IS NULL OR d.key IN $devices) AND x.day >= $since
WITH d, collect(x) AS xs
RETURN d.key AS device, d.type AS device_type, [x IN xs | x.day] AS day,
       [x IN xs | coalesce(x.views, 0)] AS views, [x IN xs | coalesce(x.impressions, 0)] AS impressions,
       [x IN xs | coalesce(x.clicks, 0)] AS clicks, [x IN xs | coalesce(x.searches, 0)] AS searches,
       [x IN xs | coalesce(x.conversions, 0)] AS conversions, [x IN xs | coalesce(x.bookmarks, 0)] AS bookmarks,
       [x IN xs | reduce(n = 0, h IN $night | n + coalesce(x.hour_events[h], 0))] AS night,
       [x IN xs | reduce(n = 0, h IN $daytime | n + coalesce(x.hour_events[h], 0))] AS daytime,
       [x IN xs | coalesce(x.seconds, 0.0)] AS seconds, [x IN xs | coalesce(x.kids_seconds, 0.0)] AS kids_seconds,
       [x IN xs | coalesce(x.movie_seconds, 0.0)] AS movie_seconds,
       [x IN xs | coalesce(x.episode_seconds, 0.0)] AS episode_seconds, [x IN xs | x.max_age] AS max_age,
       [x IN xs | coalesce(x.genres, [])] AS genres, [x IN xs | coalesce(x.genre_seconds, [])] AS genre_seconds,
       [x IN xs | coalesce(x.series_ids, [])] AS series_ids, [x IN xs | coalesce(x.series_views, [])] AS series_views,
       [x IN xs | CASE WHEN size(coalesce(x.series_ids, [])) > 0 THEN coalesce(x.contents, []) END] AS contents
