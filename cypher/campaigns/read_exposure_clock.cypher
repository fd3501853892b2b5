// mode: read
// params: $campaign (str or null). The newest exposure time: the data's clock for pacing.
MATCH ()-[x:EXPOSED_ON]->(c:Campaign)
WHERE $campaign IS NULL OR c.id = $campaign
RETURN max(x.last) AS last
