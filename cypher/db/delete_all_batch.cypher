// mode: write
// params: $batch. Deletes up to $batch nodes with their relationships; returns how many.
MATCH (n)
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS deleted
