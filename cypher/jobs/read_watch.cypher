// mode: read
// params: none. What each device watched, grouped per device (one record per device streams far
// faster than one per device-content pair): content ids with their views and seconds, summed over
// the device's days (DeviceDay keeps contents with parallel content_views / content_seconds).
MATCH (d:Device)-[:ACTIVE_ON]->(x:DeviceDay)
UNWIND range(0, size(x.contents) - 1) AS i
WITH d, x.contents[i] AS content, sum(coalesce(x.content_views[i], 0)) AS views,
     sum(coalesce(x.content_seconds[i], 0.0)) AS seconds
WITH d, collect(content) AS contents, collect(views) AS views, collect(seconds) AS seconds
RETURN d.key AS device, contents, views, seconds
