// mode: write
// params: $job (str), $owner (str), $host (str), $pid (int), $boot (str or null), $pidns (str or null),
//         $pid_started (float or null), $run (str), $lease_ms (int), $gone_owner (str or null),
//         $gone_reason (str or null)
// Takes the job's lease when it is free, has run out (by the server's clock), or is held by
// $gone_owner, a process the caller found gone on its own host. One statement: the lock node is
// write-locked (SET) before anything on it is read, so of two callers racing for it exactly one
// wins. The winner bumps the generation (the fencing token every job write checks) and closes the
// runs left 'running' as 'abandoned', with the time and the reason.
MERGE (l:JobLock {job: $job})
  ON CREATE SET l.generation = 0
SET l.contended = timestamp()
WITH l, timestamp() AS now
WITH l, now, l.run AS prev_run,
     CASE
       WHEN l.owner IS NULL THEN 'free'
       WHEN coalesce(l.expires, 0) < now THEN 'lease expired'
       WHEN $gone_owner IS NOT NULL AND l.owner = $gone_owner THEN $gone_reason
     END AS why
CALL (l, now, why) {
  WITH l, now, why
  WHERE why IS NOT NULL
  SET l.owner = $owner, l.host = $host, l.pid = $pid, l.boot = $boot, l.pidns = $pidns,
      l.pid_started = $pid_started, l.run = $run, l.since = now, l.heartbeat = now,
      l.expires = now + $lease_ms, l.generation = coalesce(l.generation, 0) + 1
}
CALL (now, why, prev_run) {
  WITH now, why, prev_run
  WHERE why IS NOT NULL
  MATCH (r:JobRun {job: $job, status: 'running'})
  WHERE r.id <> $run
  SET r.status = 'abandoned', r.ended = now, r.abandoned_at = now, r.abandoned_by = $run,
      r.error = CASE WHEN r.id = prev_run AND why <> 'free' THEN why
                     ELSE 'its lock was given up without closing it' END
  RETURN collect(r {.id, .started, reason: r.error}) AS abandoned
}
RETURN why IS NOT NULL AS acquired, why AS reason, l.owner AS owner, l.host AS host, l.pid AS pid,
       l.boot AS boot, l.pidns AS pidns, l.pid_started AS pid_started, l.since AS since,
       l.expires AS expires, l.generation AS generation, now, abandoned
