// mode: read
// params: $devices (list of device keys: the devices judged in this run).
// The digests of each device's stored HAS_PERSONA weeks (persona, evidence, current flag), one record
// per device with parallel lists: the job writes only the weeks whose digest changed (a rerun on the
// same data writes no history) and creates the weeks that have no edge yet. Each key is sought in
// the index (a plan over every edge that tests each against the key list grows with both).
UNWIND $devices AS key
MATCH (d:Device {key: key})-[r:HAS_PERSONA]->()
RETURN d.key AS device, collect(r.week) AS weeks, collect(r.digest) AS digests
