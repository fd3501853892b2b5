// mode: read
// params: $since (epoch ms, ingest clock). Devices ingest wrote since then (an incremental personas run).
MATCH (d:Device)
WHERE d.ingested >= $since
RETURN d.key AS device
