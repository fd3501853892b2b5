// mode: read
// params: $limit (int: most recent weeks). Devices per persona and week (HAS_PERSONA history).
MATCH (:Device)-[r:HAS_PERSONA]->(p:Persona)
WITH r.week AS week, p.name AS persona, count(*) AS devices
ORDER BY week DESC
WITH collect({week: week, persona: persona, devices: devices}) AS rows, collect(DISTINCT week)[..$limit] AS weeks
UNWIND rows AS row
WITH row WHERE row.week IN weeks
RETURN row.week AS week, row.persona AS persona, row.devices AS devices
ORDER BY week, persona
