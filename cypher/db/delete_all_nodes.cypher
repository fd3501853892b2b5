// mode: write
// params: none. Auto-commit only: deletes every node (relationships first, see
// delete_all_relationships) in transactions of 20k rows.
MATCH (n)
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS
