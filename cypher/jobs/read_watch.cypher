// mode: read
// params: none. What each device watched, grouped per device (one record per device streams far
// faster than one per device-content pair): content ids with their views and seconds.
MATCH (d:Device)-[w:WATCHED]->(c:Content)
WITH d, collect(c.id) AS contents, collect(w.views) AS views, collect(w.seconds) AS seconds
RETURN d.key AS device, contents, views, seconds
