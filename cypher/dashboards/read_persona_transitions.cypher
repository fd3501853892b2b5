// mode: read
// params: $week_a, $week_b (epoch ms of two Mondays). Devices per (persona in week a, persona in week b).
MATCH (d:Device)-[:HAS_PERSONA {week: $week_a}]->(a:Persona)
MATCH (d)-[:HAS_PERSONA {week: $week_b}]->(b:Persona)
RETURN a.name AS source, b.name AS target, count(d) AS devices
ORDER BY devices DESC
