// mode: read
// params: $device (str, a device key). The device's household, why, and who else lives there.
MATCH (d:Device {key: $device})
OPTIONAL MATCH (d)-[m:MEMBER_OF]->(h:Household)
OPTIONAL MATCH (h)<-[om:MEMBER_OF]-(other:Device)
WITH d, m, h, collect(other {.key, .type, confidence: om.confidence}) AS members
OPTIONAL MATCH (h)-[hn:HOME_NETWORK]->(n:Network)
WITH d, m, h, members, collect(n {.key, .class, hours: hn.hours}) AS home_networks
OPTIONAL MATCH (h)-[l:SOCIAL_LINK]-(friend:Household)
RETURN d {.key, .type, .first_seen, .last_seen, .events} AS device,
       h {.*} AS household, m.confidence AS confidence, m.evidence AS evidence,
       members, home_networks, collect(friend {.id, visits: l.visits, weight: l.weight}) AS social_links
