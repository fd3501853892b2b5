// mode: write
// params: $devices (list of device keys that are many devices: graph.households.shared_keys, e.g. an
// app's placeholder MAC). They carry the SharedKey label, which activation reads (read_device_map).
UNWIND $devices AS key
MATCH (d:Device {key: key})
SET d:SharedKey
