// mode: write
// params: $cutoff (epoch ms), $limit. Devices seen only before the cutoff, with what is left of their edges.
MATCH (d:Device)
WHERE d.last_seen < $cutoff
WITH d LIMIT $limit
DETACH DELETE d
RETURN count(d) AS deleted
