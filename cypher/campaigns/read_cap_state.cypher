// mode: read
// params: $campaign (str or null). The frequency-cap state the campaigns job last stored per campaign:
// the cap it was computed for and, per unit, its impression count and whether it is over the cap.
MATCH (c:Campaign)
WHERE c.cap_units IS NOT NULL AND ($campaign IS NULL OR c.id = $campaign)
RETURN c.id AS campaign, c.cap_key AS cap, c.cap_units AS units, c.cap_counts AS counts, c.cap_over AS over
