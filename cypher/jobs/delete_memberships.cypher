// mode: write
// params: $devices (list of device keys). Devices now unassigned lose their membership.
UNWIND $devices AS key
MATCH (:Device {key: key})-[m:MEMBER_OF]->(:Household)
DELETE m
