// mode: write
// params: $rows: [{id, day, reason, count}]. Dead letters counted by day and reason.
UNWIND $rows AS row
MERGE (x:DeadLetterCount {id: row.id})
  ON CREATE SET x.day = row.day, x.reason = row.reason, x.count = 0
SET x.count = x.count + row.count
