// mode: write
// params: $job (str), $owner (str), $generation (int), $lease_ms (int)
// The heartbeat: extends the lease by $lease_ms from now (server clock) while it is still this
// owner's generation. The node is write-locked before it is read, so a take-over in flight is
// either seen (renewed = 0) or waits for this renewal.
MATCH (l:JobLock {job: $job})
SET l.contended = timestamp()
WITH l
WHERE l.owner = $owner AND l.generation = $generation
SET l.heartbeat = timestamp(), l.expires = timestamp() + $lease_ms
RETURN count(l) AS renewed
