// mode: read
// params: none. What each device watched (views, seconds) for the affinity job.
MATCH (d:Device)-[w:WATCHED]->(c:Content)
RETURN d.key AS device, c.id AS content_id, w.views AS views, w.seconds AS seconds
