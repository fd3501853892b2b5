// mode: write
// Not a product query: bench/personas_job.py seeds the catalog's content (id, kind, series).
// params: $rows: [{id, kind, series_id}]
UNWIND $rows AS row
MERGE (c:Content {id: row.id})
SET c.kind = row.kind, c.series_id = row.series_id, c.described = true
