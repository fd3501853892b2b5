// mode: write
// params: $genre_less: [content id] — catalog records whose genres list was empty.
// `neo4j-admin database import` cannot write an empty list; after a bulk import this sets the lists a
// described Campaign always carries, and the empty genres of the content named, to [] as the
// streaming MERGEs store them.
CALL () {
  UNWIND $genre_less AS id
  MATCH (c:Content {id: id})
  SET c.genres = []
}
MATCH (c:Campaign)
WHERE c.described AND (c.avoid_contexts IS NULL OR c.prefer_contexts IS NULL OR c.split_types IS NULL)
SET c.avoid_contexts = coalesce(c.avoid_contexts, []), c.prefer_contexts = coalesce(c.prefer_contexts, []),
    c.split_types = coalesce(c.split_types, []), c.split_shares = coalesce(c.split_shares, [])
