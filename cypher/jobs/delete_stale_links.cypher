// mode: write
// params: $run (str). Links the latest social run did not find again are removed.
MATCH (:Household)-[l:SOCIAL_LINK]->(:Household)
WHERE l.run <> $run
DELETE l
RETURN count(l) AS deleted
