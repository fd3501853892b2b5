// mode: read
// params: none. How much of the referenced content the catalog describes.
MATCH (c:Content)
RETURN count(c) AS contents, count(CASE WHEN c.described THEN 1 END) AS described
