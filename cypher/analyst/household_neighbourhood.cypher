// mode: read
// params: $household (str), $limit (int). A household, its home networks and its social links, as paths for the graph view.
MATCH p = (:Household {id: $household})-[:SOCIAL_LINK|HOME_NETWORK]-()
RETURN p
LIMIT $limit
