// mode: read
// params: $devices (list of device keys). The devices that exist and their household, if any.
UNWIND $devices AS key
MATCH (d:Device {key: key})
OPTIONAL MATCH (d)-[:MEMBER_OF]->(h:Household)
RETURN d.key AS device, h.id AS household
