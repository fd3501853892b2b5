// mode: read
// params: none. The newest event time seen by ingest (the data's clock for pacing), from the indexed
// Device.last_seen.
MATCH (d:Device)
RETURN max(d.last_seen) AS last
