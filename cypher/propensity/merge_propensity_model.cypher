// mode: write
// params: $rows: [{hash, trained_at, start, train_end, end, auc, log_loss, baseline_auc, record (JSON str)}]
UNWIND $rows AS row
MERGE (m:PropensityModel {hash: row.hash})
SET m.trained_at = row.trained_at, m.start = row.start, m.train_end = row.train_end, m.end = row.end,
    m.auc = row.auc, m.log_loss = row.log_loss, m.baseline_auc = row.baseline_auc, m.record = row.record
