// mode: write
// params: $job (str), $owner (str)
MATCH (l:JobLock {job: $job, owner: $owner})
DELETE l
