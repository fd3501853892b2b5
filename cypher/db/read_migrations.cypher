// mode: read
// params: none. The schema files already applied, with their checksums.
MATCH (m:Migration)
RETURN m.name AS name, m.checksum AS checksum, m.applied AS applied
ORDER BY name
