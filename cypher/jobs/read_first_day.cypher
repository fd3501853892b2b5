// mode: read
// params: $since (epoch ms). The first UTC day the device-day data covers from $since on (incremental
// runs read few devices, but a week's silence is judged against what the whole data covers).
MATCH (x:DeviceDay)
WHERE x.day >= $since
RETURN min(x.day) AS day
