// mode: write
// params: $rows: [{campaign, impressions, clicks, conversions, duplicates, devices, households, spend,
// over_cap}],
// $now (epoch ms), $run (str). Headline figures of the last campaigns job run on each Campaign.
UNWIND $rows AS row
MATCH (c:Campaign {id: row.campaign})
SET c.report_impressions = row.impressions, c.report_clicks = row.clicks,
    c.report_conversions = row.conversions, c.report_duplicates = row.duplicates,
    c.report_devices = row.devices, c.report_households = row.households, c.report_spend = row.spend,
    c.over_cap = row.over_cap, c.over_cap_at = $now, c.reported = $now, c.report_run = $run
