// mode: read
// params: none. Networks by class: how many, how many devices seen on them, how many are a home network.
MATCH (n:Network)
OPTIONAL MATCH (n)<-[:HOME_NETWORK]-(h:Household)
WITH n, count(h) AS homes
RETURN coalesce(n.class, 'unknown') AS class, count(n) AS networks,
       sum(CASE WHEN homes > 0 THEN 1 ELSE 0 END) AS home_networks,
       sum(CASE WHEN homes > 1 THEN 1 ELSE 0 END) AS shared_by_households
ORDER BY networks DESC
