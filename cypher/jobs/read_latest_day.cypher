// mode: read
// params: $until (epoch ms: later days come from clocks ahead and are not "today"). The data's latest UTC day.
MATCH (x:DeviceDay)
WHERE x.day <= $until
RETURN max(x.day) AS day
