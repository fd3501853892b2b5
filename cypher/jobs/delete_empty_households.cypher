// mode: write
// params: none. Households without members (merged away, or all devices gone quiet) are retired.
MATCH (h:Household)
WHERE NOT EXISTS { (h)<-[:MEMBER_OF]-(:Device) }
DETACH DELETE h
RETURN count(h) AS deleted
