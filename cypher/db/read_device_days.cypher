// mode: read
// params: none. Every DeviceDay with its properties and whether its Device links it (tests, checks).
MATCH (x:DeviceDay)
RETURN x {.*, linked: COUNT { (:Device {key: x.device})-[:ACTIVE_ON]->(x) }} AS row
