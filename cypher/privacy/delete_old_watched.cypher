// mode: write
// params: $cutoff (epoch ms), $limit. Watch edges whose last view was before the cutoff (retention).
MATCH (:Device)-[w:WATCHED]->(:Content)
WHERE w.last < $cutoff
WITH w LIMIT $limit
DELETE w
RETURN count(w) AS deleted
