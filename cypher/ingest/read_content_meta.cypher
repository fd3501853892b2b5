// mode: read
// params: $ids: [content id] — the content of a batch's fresh views, after merge_content.
// What the per-day aggregate needs of each: kind, series, genres, minimum age.
UNWIND $ids AS id
MATCH (c:Content {id: id})
RETURN c.id AS id, c.kind AS kind, c.series_id AS series, c.genres AS genres, c.age_rating AS age
