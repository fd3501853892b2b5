// mode: write
// params: $rows: [{content_id, title, kind, series_id, genres, age_rating}]
// Catalog upsert; content first referenced by a view gets its metadata when it arrives.
UNWIND $rows AS row
MERGE (c:Content {id: row.content_id})
SET c.title = coalesce(row.title, c.title),
    c.kind = coalesce(row.kind, c.kind),
    c.series_id = coalesce(row.series_id, c.series_id),
    c.genres = coalesce(row.genres, c.genres),
    c.age_rating = coalesce(row.age_rating, c.age_rating),
    c.described = true
RETURN count(*) AS written
