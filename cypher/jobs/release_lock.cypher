// mode: write
// params: $job (str), $owner (str), $generation (int)
// Gives the lease up if it is still this owner's generation. The node stays, so the generation
// (the fencing token) only ever grows.
MATCH (l:JobLock {job: $job})
SET l.contended = timestamp()
WITH l
WHERE l.owner = $owner AND l.generation = $generation
SET l.owner = null, l.host = null, l.pid = null, l.boot = null, l.pidns = null, l.pid_started = null,
    l.run = null, l.expires = 0, l.released = timestamp()
RETURN count(l) AS released
