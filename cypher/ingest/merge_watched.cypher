// mode: write
// params: $rows: [{pair, device, content, views, bookmarks, secs, first, last}] — new events only,
// sorted by content; merge_content has created every content they reference
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (c:Content {id: row.content})
MERGE (d)-[w:WATCHED {pair: row.pair}]->(c)
  ON CREATE SET w.views = row.views, w.bookmarks = row.bookmarks, w.seconds = row.secs,
                w.first = row.first, w.last = row.last
  ON MATCH SET w.views = w.views + row.views, w.bookmarks = w.bookmarks + row.bookmarks,
               w.seconds = w.seconds + row.secs,
               w.first = CASE WHEN row.first < w.first THEN row.first ELSE w.first END,
               w.last = CASE WHEN row.last > w.last THEN row.last ELSE w.last END
