// mode: write
// params: $devices (list of device keys). Each device with every edge it has (presence, watch,
// exposure, membership) and its per-day aggregates (DeviceDay nodes name the device): erasure.
UNWIND $devices AS key
MATCH (d:Device {key: key})
CALL (d) {
  OPTIONAL MATCH (d)-[:ACTIVE_ON]->(day:DeviceDay)
  DETACH DELETE day
  RETURN count(day) AS days
}
WITH d, days, COUNT { (d)-[]-() } AS edges
DETACH DELETE d
RETURN count(d) AS devices, sum(edges) + sum(days) AS edges
