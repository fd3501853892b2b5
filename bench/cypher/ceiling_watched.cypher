// mode: write
// The ceiling experiment of bench/ingest_profile.py, not a product query: WATCHED rows CREATEd.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MERGE (c:Content {id: row.content})
CREATE (d)-[:WATCHED {pair: row.pair, views: row.views, bookmarks: row.bookmarks, seconds: row.secs,
                      first: row.first, last: row.last}]->(c)
