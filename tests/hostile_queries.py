"""Hostile console queries: the ones found on main (issue #12) and an attacker's variations.

Each entry is ``(query, params)``. The unit test checks that :func:`graph.console_guard.screen`
refuses every one without a server; the integration test replays them all through the real
console path against the real Neo4j and checks each is refused or stopped and the server lives.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HOSTILE", "READS", "RUNAWAY"]

_URL = "http://127.0.0.1:8501/_stcore/health"

HOSTILE: list[tuple[str, dict[str, Any]]] = [
    # --- found on main ---
    (f"WITH '/*' AS a LOAD CSV FROM '{_URL}' AS r RETURN a, r, '*/' AS b", {}),
    (f"WITH '//' AS a LOAD CSV FROM '{_URL}' AS r RETURN a, r", {}),
    (
        "MATCH (h:Household) WITH h LIMIT 1 LOAD CSV FROM 'http://127.0.0.1:8501/?h=' + h.id AS r RETURN r",
        {},
    ),
    ("USE`neo4j` SHOW SETTINGS YIELD name, value RETURN name, value", {}),
    ("CYPHER runtime=slotted SHOW SETTINGS YIELD name, value RETURN name, value", {}),
    ("USE`neo4j` SHOW TRANSACTIONS YIELD transactionId, currentQuery, parameters", {}),
    ("CYPHER runtime=slotted TERMINATE TRANSACTIONS 'neo4j-transaction-1'", {}),
    (
        "SHOW TRANSACTIONS YIELD transactionId AS id, currentQuery WHERE currentQuery CONTAINS 'UNWIND' "
        "TERMINATE TRANSACTIONS id YIELD message RETURN message",
        {},
    ),
    ("CALL db.stats.collect('QUERIES')", {}),
    ("CALL db.stats.retrieve('QUERIES') YIELD data RETURN data", {}),
    ("RETURN size(reduce(s = 'x', i IN range(1, 40) | s + s)) AS n", {}),
    ("RETURN reduce(t = 0, i IN range(1, 3000000000) | t + i) AS n", {}),
    # --- strings and comments hiding code ---
    ("RETURN 'a\\u0027 AS x LOAD CSV FROM 'http://127.0.0.1/' AS r RETURN r //' AS y", {}),
    ("RETURN \"/*\" AS a, 1 AS b LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r, '*/'", {}),
    ("MATCH (n) RETURN n /* ' */ LIMIT 1 LOAD CSV FROM 'http://x/' AS r RETURN r", {}),
    ("MATCH (n) RETURN count(n) AS c // comment\u2028LOAD CSV FROM 'http://x/' AS r RETURN r", {}),
    ("MATCH (n) RETURN count(n)\u00a0AS c", {}),
    # --- unicode escapes and backticks ---
    ("\\u004C\\u004F\\u0041\\u0044 CSV FROM 'http://127.0.0.1/' AS r RETURN r", {}),
    ("RETURN 1 AS `x\\u0060 LOAD CSV FROM 'http://127.0.0.1/' AS r RETURN r //`", {}),
    ("CALL `db`.`stats`.`retrieve`('QUERIES') YIELD data RETURN data", {}),
    ("CALL db . stats . retrieve('QUERIES') YIELD data RETURN data", {}),
    ("`LOAD` CSV FROM 'http://127.0.0.1/' AS r RETURN r", {}),
    ("RETURN 1 AS LOAD CSV FROM 'http://127.0.0.1/' AS r RETURN r", {}),
    # --- writes, hidden and plain ---
    ("MATCH (n) WITH n LIMIT 1 MERGE (m:Owned {id: 1}) RETURN m", {}),
    ("WITH 1 AS x MERGE (m:Owned {id: x}) RETURN m", {}),
    ("MATCH (n) FOREACH (x IN [1] | SET n.pwned = true)", {}),
    ("MATCH (n) CALL (n) { SET n.pwned = true } IN TRANSACTIONS OF 5 ROWS", {}),
    ("CALL { MATCH (n) RETURN n } IN CONCURRENT TRANSACTIONS RETURN n", {}),
    ("MATCH (n) DETACH DELETE n", {}),
    ("CREATE (n:Pwned)", {}),
    ("MATCH (n) REMOVE n:Household", {}),
    ("CREATE INDEX pwned FOR (n:Household) ON (n.pwned)", {}),
    ("DROP INDEX pwned IF EXISTS", {}),
    ("CREATE USER bob SET PASSWORD 'secret1234'", {}),
    ("MATCH (n) RETURN n; MATCH (m) DETACH DELETE m", {}),
    ("MATCH (n) RETURN count(n) AS c;\nCREATE (:Pwned)", {}),
    # --- prefixes ---
    ("EXPLAIN MATCH (n) RETURN n", {}),
    ("PROFILE MATCH (n) RETURN n", {}),
    ("CYPHER 25 MATCH (n) RETURN n", {}),
    ("USE system SHOW USERS", {}),
    ("SHOW PROCEDURES YIELD name RETURN name", {}),
    ("SHOW FUNCTIONS", {}),
    # --- procedures and functions of plugins and the DBMS ---
    ("CALL dbms.listConfig() YIELD name, value RETURN name, value", {}),
    ("CALL dbms.components()", {}),
    ("CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')", {}),
    ("CALL apoc.load.json('http://127.0.0.1:8501/') YIELD value RETURN value", {}),
    ("RETURN apoc.cypher.runFirstColumnSingle('MATCH (n) DETACH DELETE n', {}) AS x", {}),
    ("CALL gds.graph.list()", {}),
    ("CALL db.clearQueryCaches()", {}),
    ("CALL db.index.fulltext.queryNodes('x', 'y')", {}),
    ("CALL tx.setMetaData({app: 'x'})", {}),
    ("MATCH (n) RETURN db.nameFromElementId(elementId(n)) AS x", {}),
    ("CALL db.awaitIndexes(300)", {}),
    ("CALL db.ping()", {}),
    # --- parameters in URLs ---
    ("LOAD CSV FROM $url AS r RETURN r", {"url": _URL}),
    ("WITH $u AS u LOAD CSV FROM u AS r RETURN r", {"u": "file:///etc/passwd"}),
    # --- resource exhaustion ---
    ("UNWIND range(1, 3000000000) AS x RETURN count(x)", {}),
    ("RETURN size([x IN range(1, 200000000) | x]) AS n", {}),
    ("RETURN size(range(1, toInteger(1e10))) AS n", {}),
    ("RETURN [a IN range(1, 1000) | [b IN range(1, 1000) | [c IN range(1, 1000) | 1]]] AS x", {}),
    (
        "WITH 'xxxxxxxxxx' AS s RETURN size(replace(replace(replace(replace(replace(replace("
        "replace(replace(replace(s, 'x', s), 'x', s), 'x', s), 'x', s), 'x', s), 'x', s), "
        "'x', s), 'x', s), 'x', s)) AS n",
        {},
    ),
    ("RETURN any(a IN range(1, 10) WHERE any(b IN range(1, 10) WHERE a = b)) AS x", {}),
    ("WITH '" + "x" * 30000 + "' AS s RETURN s", {}),
    ("RETURN 1 AS x", {"big": "x" * 70000}),
]

#: Well-formed reads that run away: the console lets them start and the server must stop them
#: (transaction timeout, per-transaction memory limit) while it stays up.
RUNAWAY: list[tuple[str, dict[str, Any]]] = [
    (
        "MATCH (a:ConsoleProbe), (b:ConsoleProbe), (c:ConsoleProbe), (d:ConsoleProbe) "
        "WHERE a.i + b.i + c.i + d.i < 0 RETURN count(*) AS n",
        {},
    ),
    (
        "UNWIND range(1, 100000) AS a UNWIND range(1, 100) AS b "
        "RETURN size(collect(toString(a) + 'padding-padding-padding' + toString(b))) AS n",
        {},
    ),
    ("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*) AS n", {}),
    ("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN collect([a, b]) AS n", {}),
    (
        "UNWIND range(1, 100000) AS a UNWIND range(1, 100) AS b "
        "WITH a, b ORDER BY a DESC, b RETURN collect(toString(a) + toString(b)) AS l",
        {},
    ),
]

#: Ordinary analyst queries that must keep working.
READS: list[tuple[str, dict[str, Any]]] = [
    ("MATCH (h:Household) RETURN h.id AS household, h.size AS size LIMIT 25", {}),
    ("MATCH (n) RETURN 'LOAD CSV' AS s, n.set AS set LIMIT 1", {}),
    ("// a comment with LOAD CSV\nMATCH (n) RETURN count(n) AS n", {}),
    ("CALL db.labels() YIELD label RETURN label", {}),
    ("CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType", {}),
    ("CALL db.propertyKeys()", {}),
    ("CALL db.schema.visualization()", {}),
    (
        "MATCH (n) WITH labels(n) AS l, count(*) AS c WHERE c > 0 RETURN l, c ORDER BY c DESC SKIP 0 LIMIT 5",
        {},
    ),
    ("MATCH (n) CALL (n) { MATCH (n)--(m) RETURN count(m) AS k } RETURN k LIMIT 3", {}),
    ("MATCH (n) WHERE EXISTS { MATCH (n)--() } RETURN count(n) AS c", {}),
    ("UNWIND range(1, 10) AS x RETURN x * 2 AS y", {}),
    ("RETURN [x IN range(1, 5) WHERE x > 2 | x] AS l, any(x IN [1] WHERE x = 1) AS b", {}),
    ("MATCH (n) RETURN count(n) AS c UNION MATCH (n) RETURN count(n) AS c", {}),
    ("MATCH (h:Household {id: $id}) RETURN h", {"id": "h-1"}),
    ("RETURN datetime.fromepochmillis(0) AS t, toString(date('2026-01-01')) AS d", {}),
]
