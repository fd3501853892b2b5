// mode: write
// params: $run (str). After a full run: memberships the run did not confirm are removed.
MATCH (:Device)-[m:MEMBER_OF]->(:Household)
WHERE m.run <> $run
DELETE m
RETURN count(m) AS deleted
