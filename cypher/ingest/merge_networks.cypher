// mode: write
// params: $rows: [{network, family, first, last}] — one per network of the batch, sorted by key
UNWIND $rows AS row
MERGE (n:Network {key: row.network})
  ON CREATE SET n.family = row.family, n.first_seen = row.first, n.last_seen = row.last
  ON MATCH SET n.first_seen = CASE WHEN row.first < n.first_seen THEN row.first ELSE n.first_seen END,
               n.last_seen = CASE WHEN row.last > n.last_seen THEN row.last ELSE n.last_seen END
