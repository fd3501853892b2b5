// mode: read
// params: none. Upper ends of the filter widgets: the largest household and the heaviest social link (visits).
CALL () { MATCH (h:Household) RETURN max(h.size) AS max_size }
CALL () { MATCH ()-[s:SOCIAL_LINK]->() RETURN max(s.weight) AS max_weight }
RETURN max_size, max_weight
