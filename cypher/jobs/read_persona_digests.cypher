// mode: read
// params: $devices (list of device keys: the devices judged in this run).
// The digests of each device's stored HAS_PERSONA weeks (persona, evidence, current flag), one record
// per device with parallel lists: the job writes only the weeks whose digest changed (a rerun on the
// same data writes no history) and creates the weeks that have no edge yet. Each key is sought in
// the index and its edges listed from the device: a plan compiled while the graph had no such edge
// (a first run) may otherwise scan every HAS_PERSONA edge per key.
UNWIND $devices AS key
MATCH (d:Device {key: key})
WITH d, [(d)-[r:HAS_PERSONA]->() | r] AS edges
WHERE size(edges) > 0
RETURN d.key AS device, [r IN edges | r.week] AS weeks, [r IN edges | r.digest] AS digests
