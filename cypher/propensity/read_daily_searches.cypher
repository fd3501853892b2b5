// mode: read
// params: none. Searches per device and UTC day (epoch ms of midnight), with the device's household.
MATCH (x:DeviceDay)
WHERE x.searches > 0
MATCH (d:Device {key: x.device})-[:MEMBER_OF]->(h:Household)
RETURN h.id AS household, d.key AS device, x.day AS day, x.searches AS searches
