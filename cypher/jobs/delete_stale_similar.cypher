// mode: write
// params: $run (str)
MATCH (:Household)-[s:SIMILAR_TO]->(:Household)
WHERE s.run <> $run
DELETE s
RETURN count(s) AS deleted
