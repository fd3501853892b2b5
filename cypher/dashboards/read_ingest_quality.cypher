// mode: read
// params: none. Valid, invalid, late and duplicate totals over all ingester groups.
OPTIONAL MATCH (s:IngestStats)
RETURN coalesce(sum(s.valid), 0) AS valid, coalesce(sum(s.invalid), 0) AS invalid,
       coalesce(sum(s.fresh), 0) AS fresh, coalesce(sum(s.late), 0) AS late,
       coalesce(sum(s.duplicates), 0) AS duplicates, coalesce(sum(s.batches), 0) AS batches,
       max(s.last_commit) AS last_commit
