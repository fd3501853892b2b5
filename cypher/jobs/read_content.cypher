// mode: read
// params: none. Catalog metadata of content that was watched.
MATCH (c:Content)
WHERE c.described
RETURN c.id AS content_id, c.kind AS kind, c.series_id AS series_id,
       coalesce(c.genres, []) AS genres, c.age_rating AS age_rating
