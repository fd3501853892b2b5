// mode: read
// params: none. The digests of erased devices' keys (ingest drops their events).
MATCH (s:ErasedDevice)
RETURN s.digest AS digest
