// mode: write
// params: $id, $now (epoch ms), $valid, $invalid, $fresh, $late, $duplicates
// Running totals of one ingester group, updated with each committed batch.
MERGE (s:IngestStats {id: $id})
  ON CREATE SET s.valid = 0, s.invalid = 0, s.fresh = 0, s.late = 0, s.duplicates = 0, s.batches = 0,
                s.started = $now
SET s.valid = s.valid + $valid, s.invalid = s.invalid + $invalid, s.fresh = s.fresh + $fresh,
    s.late = s.late + $late, s.duplicates = s.duplicates + $duplicates,
    s.batches = s.batches + 1, s.last_commit = $now
