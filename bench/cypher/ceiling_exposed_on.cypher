// mode: write
// The ceiling experiment of bench/ingest_profile.py, not a product query: exposure rows CREATEd.
UNWIND $rows AS row
MATCH (d:Device {key: row.device})
MATCH (c:Campaign {id: row.campaign})
CREATE (d)-[:EXPOSED_ON {key: row.key, day: row.day, source: row.source, times: [e IN row.events | e.ts],
                         kinds: [e IN row.events | e.kind], ads: [e IN row.events | e.ad],
                         impressions: size([e IN row.events WHERE e.kind = 'impression']),
                         clicks: size([e IN row.events WHERE e.kind = 'click']),
                         conversions: size([e IN row.events WHERE e.kind = 'conversion']),
                         duplicates: row.copies, first: row.first, last: row.last}]->(c)
