// mode: read
// params: none. Ingest totals per consumer group and the newest stored offsets (for rate and lag).
CALL () {
  OPTIONAL MATCH (s:IngestStats)
  RETURN collect(s {.id, .valid, .invalid, .fresh, .late, .duplicates, .batches, .started, .last_commit}) AS stats
}
CALL () {
  OPTIONAL MATCH (o:IngestOffset)
  RETURN collect(o {.group, .topic, .partition, .next, .updated}) AS offsets
}
RETURN stats, offsets
