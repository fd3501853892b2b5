"""Campaign figures: reach, frequency, costs and pacing (:mod:`.metrics`), budget plans (:mod:`.plan`)
and the household affluence proxy (:mod:`.affluence`) — pure cores over plain rows."""
