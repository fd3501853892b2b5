// mode: write
// params: $devices (list of device keys). After a full run: keys it did not find shared lose the label.
MATCH (d:SharedKey)
WHERE NOT d.key IN $devices
REMOVE d:SharedKey
RETURN count(d) AS cleared
