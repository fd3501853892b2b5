// mode: write
// params: $id (str), $ended (epoch ms), $status (str), $counts (JSON str), $error (str or null)
// Closes a run that is still 'running'; one already closed as 'abandoned' by a take-over stays so.
MATCH (r:JobRun {id: $id})
WHERE r.status = 'running'
SET r.ended = $ended, r.status = $status, r.counts = $counts, r.error = $error,
    r.duration_s = ($ended - r.started) / 1000.0
RETURN count(r) AS finished
