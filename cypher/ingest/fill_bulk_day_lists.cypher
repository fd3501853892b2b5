// mode: write
// params: none. Auto-commit only. `neo4j-admin database import` cannot write an empty list (an
// empty field is no property), where the streaming MERGE stores `[]`: after a bulk import this sets
// the lists every DeviceDay carries to [] where the import left them out.
MATCH (x:DeviceDay)
WHERE x.contents IS NULL OR x.series_ids IS NULL OR x.genres IS NULL
CALL (x) {
  SET x.contents = coalesce(x.contents, []), x.content_views = coalesce(x.content_views, []),
      x.content_seconds = coalesce(x.content_seconds, []), x.series_ids = coalesce(x.series_ids, []),
      x.series_views = coalesce(x.series_views, []), x.series_seconds = coalesce(x.series_seconds, []),
      x.genres = coalesce(x.genres, []), x.genre_seconds = coalesce(x.genre_seconds, [])
} IN TRANSACTIONS OF 20000 ROWS
