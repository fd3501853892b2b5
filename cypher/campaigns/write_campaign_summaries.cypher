// mode: write
// params: $rows: [{campaign, impressions, clicks, conversions, duplicates, devices, households, spend}],
// $now (epoch ms), $run (str). Headline figures of the last full campaigns job run on each Campaign
// (the units over the frequency cap: write_cap_state).
UNWIND $rows AS row
MATCH (c:Campaign {id: row.campaign})
SET c.report_impressions = row.impressions, c.report_clicks = row.clicks,
    c.report_conversions = row.conversions, c.report_duplicates = row.duplicates,
    c.report_devices = row.devices, c.report_households = row.households, c.report_spend = row.spend,
    c.reported = $now, c.report_run = $run
