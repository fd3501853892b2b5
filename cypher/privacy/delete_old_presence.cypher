// mode: write
// params: $cutoff (epoch ms), $limit. Presence days whose last event was before the cutoff (retention).
MATCH (:Device)-[r:SEEN_ON]->(:Network)
WHERE r.day < $cutoff AND r.last < $cutoff
WITH r LIMIT $limit
DELETE r
RETURN count(r) AS deleted
