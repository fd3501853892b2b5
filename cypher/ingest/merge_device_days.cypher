// mode: write
// params: $rows: [{id, device, day, views, impressions, clicks, searches, conversions, bookmarks,
//   seconds, hour_events: [24 ints], contents: [id], content_views, content_seconds, series_ids,
//   series_views, series_seconds,
//   genres, genre_seconds, movie_seconds, episode_seconds, kids_seconds, max_age}] — fresh events
// only, sorted by device then day.
// One (:DeviceDay {id}) per device and UTC day (`day` = epoch ms of its start), linked from its
// Device by ACTIVE_ON. Counters add; the parallel lists merge by key (ids first seen keep their
// place, new ids are appended). Lists are short (a device's content, series and genres of one day).
// What a device watched of each content lives here (contents with views and seconds): there is no
// per-content watch edge.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MERGE (x:DeviceDay {id: row.id})
  ON CREATE SET x.device = row.device, x.day = row.day, x.views = 0, x.impressions = 0, x.clicks = 0,
                x.searches = 0, x.conversions = 0, x.bookmarks = 0, x.seconds = 0.0,
                x.hour_events = [h IN range(0, 23) | 0], x.contents = [], x.content_views = [],
                x.content_seconds = [], x.series_ids = [],
                x.series_views = [], x.series_seconds = [], x.genres = [], x.genre_seconds = [],
                x.movie_seconds = 0.0, x.episode_seconds = 0.0, x.kids_seconds = 0.0,
                x.new = true
WITH d, x, row,
     x.contents + [c IN row.contents WHERE NOT c IN x.contents] AS contents,
     x.series_ids + [s IN row.series_ids WHERE NOT s IN x.series_ids] AS series,
     x.genres + [g IN row.genres WHERE NOT g IN x.genres] AS genres
WITH d, x, row, contents, series, genres,
     [c IN contents | head([i IN range(0, size(row.contents) - 1) WHERE row.contents[i] = c])] AS at_c,
     [s IN series | head([i IN range(0, size(row.series_ids) - 1) WHERE row.series_ids[i] = s])] AS at_s,
     [g IN genres | head([i IN range(0, size(row.genres) - 1) WHERE row.genres[i] = g])] AS at_g
SET x.views = x.views + row.views, x.impressions = x.impressions + row.impressions,
    x.clicks = x.clicks + row.clicks, x.searches = x.searches + row.searches,
    x.conversions = x.conversions + row.conversions, x.bookmarks = x.bookmarks + row.bookmarks,
    x.seconds = x.seconds + row.seconds,
    x.hour_events = [h IN range(0, 23) | x.hour_events[h] + row.hour_events[h]],
    x.content_views = [i IN range(0, size(contents) - 1) |
                       coalesce(x.content_views[i], 0) + coalesce(row.content_views[at_c[i]], 0)],
    x.content_seconds = [i IN range(0, size(contents) - 1) |
                         coalesce(x.content_seconds[i], 0.0) + coalesce(row.content_seconds[at_c[i]], 0.0)],
    x.contents = contents,
    x.series_views = [i IN range(0, size(series) - 1) |
                      coalesce(x.series_views[i], 0) + coalesce(row.series_views[at_s[i]], 0)],
    x.series_seconds = [i IN range(0, size(series) - 1) |
                        coalesce(x.series_seconds[i], 0.0) + coalesce(row.series_seconds[at_s[i]], 0.0)],
    x.series_ids = series,
    x.genre_seconds = [i IN range(0, size(genres) - 1) |
                       coalesce(x.genre_seconds[i], 0.0) + coalesce(row.genre_seconds[at_g[i]], 0.0)],
    x.genres = genres,
    x.movie_seconds = x.movie_seconds + row.movie_seconds,
    x.episode_seconds = x.episode_seconds + row.episode_seconds,
    x.kids_seconds = x.kids_seconds + row.kids_seconds,
    x.max_age = CASE WHEN row.max_age > coalesce(x.max_age, -1) THEN row.max_age ELSE x.max_age END
WITH d, x WHERE x.new
REMOVE x.new
CREATE (d)-[:ACTIVE_ON]->(x)
