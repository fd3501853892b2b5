// mode: write
// params: $cutoff (epoch ms), $limit. Ad exposure edges whose last event was before the cutoff (retention).
MATCH (:Device)-[x:EXPOSED_TO]->()
WHERE x.last < $cutoff
WITH x LIMIT $limit
DELETE x
RETURN count(x) AS deleted
