// mode: write
// params: $cutoff (epoch ms), $limit. Ad exposure edges (per device, campaign, day and source) whose last event was before the cutoff (retention).
MATCH (:Device)-[x:EXPOSED_ON]->()
WHERE x.last < $cutoff
WITH x LIMIT $limit
DELETE x
RETURN count(x) AS deleted
