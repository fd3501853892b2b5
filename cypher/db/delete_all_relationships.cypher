// mode: write
// params: none. Auto-commit only: deletes every relationship in transactions of 20k rows, so
// that a large graph never needs one huge transaction.
MATCH ()-[r]->()
CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS
