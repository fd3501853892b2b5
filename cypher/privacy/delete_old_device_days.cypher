// mode: write
// params: $cutoff (epoch ms), $limit. Per-day device aggregates of days that ended before the cutoff (retention).
MATCH (x:DeviceDay)
WHERE x.day + 86400000 <= $cutoff
WITH x LIMIT $limit
DETACH DELETE x
RETURN count(x) AS deleted
