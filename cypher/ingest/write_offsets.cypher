// mode: write
// params: $rows: [{id, group, topic, partition, next}], $now (epoch ms)
// Stored in the same transaction as the data they cover: a record below `next` is never
// written twice, whatever Kafka's own committed offset says after a crash.
UNWIND $rows AS row
MERGE (o:IngestOffset {id: row.id})
SET o.group = row.group, o.topic = row.topic, o.partition = row.partition,
    o.next = CASE WHEN row.next > coalesce(o.next, 0) THEN row.next ELSE o.next END,
    o.updated = $now
