// mode: read
// params: $since (epoch ms). The household ids of marketers' exports since then (differencing check).
MATCH (a:AuditRecord {action: 'export', role: 'marketer'})
WHERE a.at >= $since AND a.members IS NOT NULL
RETURN a.members AS members
ORDER BY a.at DESC
