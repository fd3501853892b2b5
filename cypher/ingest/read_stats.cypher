// mode: read
// params: none. Ingest totals per group and dead letters by reason.
OPTIONAL MATCH (s:IngestStats)
WITH collect(s {.*}) AS stats
OPTIONAL MATCH (x:DeadLetterCount)
WITH stats, x.reason AS reason, sum(x.count) AS count
RETURN stats, collect(CASE WHEN reason IS NULL THEN NULL ELSE {reason: reason, count: count} END) AS dead_letters
