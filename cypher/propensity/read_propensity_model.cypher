// mode: read
// params: $hash (str). A stored model: its window, held-back metrics and record (JSON text, data only).
MATCH (m:PropensityModel {hash: $hash})
RETURN m.hash AS hash, m.start AS start, m.train_end AS train_end, m.end AS end, m.auc AS auc,
       m.log_loss AS log_loss, m.baseline_auc AS baseline_auc, m.record AS record
