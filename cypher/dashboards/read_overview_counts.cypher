// mode: read
// params: none. Headline counts of the Overview page (count-store lookups where possible).
CALL () { MATCH (d:Device) RETURN count(d) AS devices, coalesce(sum(d.events), 0) AS events }
CALL () { MATCH (n:Network) RETURN count(n) AS networks }
CALL () { MATCH (h:Household) RETURN count(h) AS households }
CALL () { MATCH ()-[s:SOCIAL_LINK]->() RETURN count(s) AS social_links }
CALL () { MATCH (c:Content) RETURN count(c) AS contents }
RETURN devices, events, networks, households, social_links, contents
