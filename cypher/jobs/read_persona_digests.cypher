// mode: read
// params: $devices (list of device keys, or null for every device).
// The digests of each device's stored HAS_PERSONA weeks (persona, evidence, current flag), one record
// per device with parallel lists: the job writes only the weeks whose digest changed (a rerun on the
// same data writes no history) and creates the weeks that have no edge yet.
MATCH (d:Device)-[r:HAS_PERSONA]->()
WHERE $devices IS NULL OR d.key IN $devices
RETURN d.key AS device, collect(r.week) AS weeks, collect(r.digest) AS digests
