// mode: write
// params: $devices (list of device keys). A campaign capped per device keeps its units' impression
// counts (graph.campaigns.cap: parallel cap_units / cap_counts / cap_over): erasure takes the devices
// out of them at once, not at the campaigns job's next run.
MATCH (c:Campaign)
WHERE c.cap_units IS NOT NULL AND any(u IN c.cap_units WHERE u IN $devices)
WITH c, [i IN range(0, size(c.cap_units) - 1) WHERE NOT c.cap_units[i] IN $devices] AS keep
SET c.cap_units = [i IN keep | c.cap_units[i]], c.cap_counts = [i IN keep | c.cap_counts[i]],
    c.cap_over = [i IN keep | c.cap_over[i]]
SET c.over_cap = size([o IN c.cap_over WHERE o])
RETURN count(c) AS campaigns
