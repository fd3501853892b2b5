// mode: write
// params: $cutoff (epoch ms), $limit. Hour buckets that ended before the cutoff (retention).
MATCH (:Device)-[r:SEEN_ON]->(:Network)
WHERE r.hour < $cutoff AND r.last < $cutoff
WITH r LIMIT $limit
DELETE r
RETURN count(r) AS deleted
