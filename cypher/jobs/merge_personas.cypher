// mode: write
// params: $rows: [{name}]. The Persona nodes the history edges of this run point to (few: one per name).
UNWIND $rows AS row
MERGE (:Persona {name: row.name})
