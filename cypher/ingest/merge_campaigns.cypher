// mode: write
// params: $rows: [{id, advertiser, name, start, end, budget, currency, cost_model, rate, cap_max,
//   cap_window_s, cap_per, cap_default, age_min, avoid_contexts, prefer_contexts, split_types,
//   split_shares}] — sorted by id, one per campaign; $now (epoch ms)
// A campaign record replaces the campaign's plan (contract §5: the latest record wins; a field it
// leaves out is removed). merge_campaign_ids has created the nodes. Exposures are not touched.
UNWIND $rows AS row
MATCH (c:Campaign {id: row.id})
SET c.advertiser = row.advertiser, c.name = row.name, c.start = row.start, c.end = row.end,
    c.budget = row.budget, c.currency = row.currency, c.cost_model = row.cost_model, c.rate = row.rate,
    c.cap_max = row.cap_max, c.cap_window_s = row.cap_window_s, c.cap_per = row.cap_per,
    c.cap_default = row.cap_default, c.age_min = row.age_min, c.avoid_contexts = row.avoid_contexts,
    c.prefer_contexts = row.prefer_contexts, c.split_types = row.split_types,
    c.split_shares = row.split_shares, c.described = true, c.updated = $now
