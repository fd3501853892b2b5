// mode: write
// params: $job (str), $owner (str), $now (epoch ms), $expires (epoch ms)
// Takes the job's lock unless another live owner holds it; an expired lock (a crashed run)
// is taken over. MERGE on the unique `job` serialises concurrent callers.
MERGE (l:JobLock {job: $job})
  ON CREATE SET l.owner = $owner, l.since = $now, l.expires = $expires
WITH l, l.owner AS prev, (l.owner = $owner OR l.expires < $now) AS mine
SET l.since = CASE WHEN mine AND prev <> $owner THEN $now ELSE l.since END,
    l.owner = CASE WHEN mine THEN $owner ELSE prev END,
    l.expires = CASE WHEN mine THEN $expires ELSE l.expires END
RETURN mine AS acquired, l.owner AS owner, l.since AS since
