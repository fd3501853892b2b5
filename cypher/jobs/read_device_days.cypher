// mode: read
// params: $devices (list of device keys, or null for every device), $since (epoch ms: the oldest UTC day read)
// The per-device-day aggregate ingest keeps (DeviceDay, one per device and UTC day, linked by
// ACTIVE_ON), as the rows graph.device_days describes, plus the device's reported type.
MATCH (d:Device)-[:ACTIVE_ON]->(x:DeviceDay)
WHERE ($devices IS NULL OR d.key IN $devices) AND x.day >= $since
RETURN d.key AS device, x.day AS day, d.type AS device_type,
       x.views AS views, x.impressions AS impressions, x.clicks AS clicks, x.searches AS searches,
       x.conversions AS conversions, x.bookmarks AS bookmarks, x.seconds AS seconds,
       x.hour_events AS hour_events, x.contents AS contents, x.series_ids AS series_ids, x.series_views AS series_views,
       x.genres AS genres, x.genre_seconds AS genre_seconds, x.movie_seconds AS movie_seconds,
       x.episode_seconds AS episode_seconds, x.kids_seconds AS kids_seconds, x.max_age AS max_age
ORDER BY device, day
