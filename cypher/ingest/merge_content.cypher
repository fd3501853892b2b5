// mode: write
// params: $rows: [{content_id, described, title, kind, series_id, genres, age_rating}] — sorted by id:
// every content of the batch, the catalog's records (described) and the content its new views
// reference (just the id).
// Runs before any WATCHED edge is written, in one pass in id order, so concurrent ingesters
// create and lock shared content in one order (a MERGE inside merge_watched ran in a separate
// eager pass and did not). Content first referenced by a view gets its metadata when it arrives.
// Returns what the per-day aggregate needs of each content (kind, series, genres, minimum age), so
// it needs no second lookup.
UNWIND $rows AS row
MERGE (c:Content {id: row.content_id})
FOREACH (_ IN CASE WHEN row.described THEN [1] ELSE [] END |
  SET c.title = coalesce(row.title, c.title),
      c.kind = coalesce(row.kind, c.kind),
      c.series_id = coalesce(row.series_id, c.series_id),
      c.genres = coalesce(row.genres, c.genres),
      c.age_rating = coalesce(row.age_rating, c.age_rating),
      c.described = true
)
RETURN c.id AS id, c.kind AS kind, c.series_id AS series, c.genres AS genres, c.age_rating AS age
