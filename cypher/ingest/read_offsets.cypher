// mode: read
// params: $group. Next offset to read per topic partition, as committed with the data.
MATCH (o:IngestOffset {group: $group})
RETURN o.topic AS topic, o.partition AS partition, o.next AS next
