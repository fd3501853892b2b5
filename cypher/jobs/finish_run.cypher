// mode: write
// params: $id (str), $ended (epoch ms), $status (str), $counts (JSON str), $error (str or null)
MATCH (r:JobRun {id: $id})
SET r.ended = $ended, r.status = $status, r.counts = $counts, r.error = $error,
    r.duration_s = ($ended - r.started) / 1000.0
