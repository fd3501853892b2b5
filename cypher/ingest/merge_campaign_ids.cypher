// mode: write
// params: $ids: [campaign id] — sorted. The campaigns a batch's ad events name, created (and
// locked) in one pass in id order before any exposure points at them.
UNWIND $ids AS id
MERGE (:Campaign {id: id})
