// mode: read
// params: $campaign (str or null). Units over the frequency cap per campaign as the campaigns job last
// computed them (read_campaign_over_cap sorts every impression time: too slow for every page refresh).
MATCH (c:Campaign)
WHERE c.over_cap IS NOT NULL AND ($campaign IS NULL OR c.id = $campaign)
RETURN c.id AS campaign, c.over_cap AS over_cap, c.over_cap_at AS at
