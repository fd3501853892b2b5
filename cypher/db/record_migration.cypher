// mode: write
// params: $name, $checksum. Records that a schema file was applied.
MERGE (m:Migration {name: $name})
SET m.checksum = $checksum, m.applied = datetime()
