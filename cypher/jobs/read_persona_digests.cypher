// mode: read
// params: $devices (list of device keys, or null for every device).
// The digest of each stored HAS_PERSONA week (persona, evidence, current flag): the job writes only
// the weeks whose digest changed, so a rerun on the same data writes no history.
MATCH (d:Device)-[r:HAS_PERSONA]->(:Persona)
WHERE $devices IS NULL OR d.key IN $devices
RETURN d.key AS device, r.week AS week, r.digest AS digest
