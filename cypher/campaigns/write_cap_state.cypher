// mode: write
// params: $rows: [{campaign, cap, units, counts, over, over_cap}], $now (epoch ms), $run (str). The
// frequency-cap state of each campaign (graph.campaigns.cap) and its number of units over the cap.
UNWIND $rows AS row
MATCH (c:Campaign {id: row.campaign})
SET c.cap_key = row.cap, c.cap_units = row.units, c.cap_counts = row.counts, c.cap_over = row.over,
    c.over_cap = row.over_cap, c.over_cap_at = $now, c.over_cap_run = $run
