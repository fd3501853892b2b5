// mode: write
// params: $rows: [{household, devices, tv, phone, tablet, desktop, console, other, kids, kids_share, top_series, top_content, top_genres, hour_profile, weekday_profile, seconds, views, last_active}], $run (str)
UNWIND $rows AS row
MATCH (h:Household {id: row.household})
SET h.devices = row.devices, h.tv = row.tv, h.phone = row.phone, h.tablet = row.tablet,
    h.desktop = row.desktop, h.console = row.console, h.other = row.other,
    h.kids = row.kids, h.kids_share = row.kids_share, h.top_series = row.top_series,
    h.top_content = row.top_content, h.top_genres = row.top_genres,
    h.hour_profile = row.hour_profile, h.weekday_profile = row.weekday_profile,
    h.seconds = row.seconds, h.views = row.views, h.last_active = row.last_active,
    h.affinity_run = $run
