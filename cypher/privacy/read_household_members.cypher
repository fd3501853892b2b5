// mode: read
// params: $households (list of household ids). Their member devices' keys.
UNWIND $households AS hid
MATCH (d:Device)-[:MEMBER_OF]->(:Household {id: hid})
RETURN collect(DISTINCT d.key) AS devices
