// mode: write
// params: $rows: [{digest}] (digests of erased devices' keys, never the keys), $now (epoch ms)
// The suppression list: ingest drops every later event of these devices (reason `erased`).
UNWIND $rows AS row
MERGE (e:ErasedDevice {digest: row.digest})
  ON CREATE SET e.at = $now
