// mode: write
// params: $devices (list of device keys). Each device with every edge it has (presence, watch,
// exposure, membership): erasure.
UNWIND $devices AS key
MATCH (d:Device {key: key})
WITH d, COUNT { (d)-[]-() } AS edges
DETACH DELETE d
RETURN count(d) AS devices, sum(edges) AS edges
