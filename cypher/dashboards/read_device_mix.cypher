// mode: read
// params: none. Devices of each type in households, by household size.
MATCH (h:Household)
RETURN h.size AS size, sum(h.tv) AS tv, sum(h.phone) AS phone, sum(h.tablet) AS tablet,
       sum(h.desktop) AS desktop, sum(h.console) AS console, sum(h.other) AS other,
       count(*) AS households
ORDER BY size
