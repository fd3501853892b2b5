// mode: write
// params: $job (str), $owner (str), $generation (int)
// The fence run first in every job write transaction: write-locks the job's lock node until the
// transaction ends (a take-over waits for it) and says whether this owner's generation still holds.
MATCH (l:JobLock {job: $job})
SET l.fenced = timestamp()
RETURN l.owner = $owner AND l.generation = $generation AS valid, l.owner AS owner,
       l.generation AS generation
