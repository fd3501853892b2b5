"""Hostile console queries replayed against the real Neo4j, while an ingester-like writer runs.

Every query of :data:`tests.hostile_queries.HOSTILE` must be refused, every one of
:data:`~tests.hostile_queries.RUNAWAY` stopped by the server, the ordinary reads must still work,
the server must be the same live process afterwards and the concurrent writer must have committed
every batch untouched. The outcomes are written to ``.hausgraph-test/console-hostile.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import neo4j
import pytest

from graph.console import ConsoleError, ConsoleRefusal, check_plan, parse_params, run_console_query
from hausgraph.servers import status
from tests.hostile_queries import HOSTILE, READS, RUNAWAY
from tests.servers import ROOT, test_settings

TIMEOUT_S = 5.0
ROW_CAP = 1000
BYTE_CAP = 4 * 2**20
WRITE_BATCH = 500


class _Writer(threading.Thread):
    """Writes ``UNWIND $rows MERGE`` batches like the ingester, counting commits and failures."""

    def __init__(self, driver: neo4j.Driver, database: str) -> None:
        super().__init__(name="ingester-like", daemon=True)
        self.driver, self.database = driver, database
        self.stop = threading.Event()
        self.batches = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            rows = [{"id": self.batches * WRITE_BATCH + i, "batch": self.batches} for i in range(WRITE_BATCH)]
            try:
                self.driver.execute_query(
                    "UNWIND $rows AS row MERGE (w:ConsoleWriterProbe {id: row.id}) SET w.batch = row.batch",
                    rows=rows,
                    database_=self.database,
                )
            except Exception as err:  # the test reports every failure
                self.errors.append(f"{type(err).__name__}: {err}")
            else:
                self.batches += 1
            time.sleep(0.05)


def _neo4j_pid() -> int | None:
    return next((s.pid for s in status(test_settings(), ["neo4j"]) if s.managed), None)


def _outcome(driver: neo4j.Driver, database: str, query: str, params: dict) -> tuple[str, str]:
    started = time.monotonic()
    try:
        result = run_console_query(
            driver, database, query, parse_params(json.dumps(params)), ROW_CAP, TIMEOUT_S, BYTE_CAP
        )
    except ConsoleRefusal as err:
        return "refused", err.message
    except ConsoleError as err:
        took = time.monotonic() - started
        return "stopped", f"{err.code}: {err.message.splitlines()[0][:160]} (after {took:.1f} s)"
    return "ran", f"{len(result.rows)} rows, stopped_by={result.stopped_by}"


@pytest.fixture
def probe_graph(neo4j_driver, services, clean_db):
    """300 probe nodes (enough for a cartesian product to run away) and one household."""
    neo4j_driver.execute_query(
        "UNWIND range(1, 300) AS i CREATE (:ConsoleProbe {i: i})", database_=services.neo4j_database
    )
    neo4j_driver.execute_query("CREATE (:Household {id: 'h-1', size: 2})", database_=services.neo4j_database)


def test_hostile_queries_are_refused_or_stopped_and_the_server_lives(neo4j_driver, services, probe_graph):
    db = services.neo4j_database
    pid_before = _neo4j_pid()
    writer = _Writer(neo4j_driver, db)
    writer.start()
    outcomes = []
    try:
        for query, params in HOSTILE + RUNAWAY + READS:
            kind, detail = _outcome(neo4j_driver, db, query, params)
            outcomes.append({"query": query[:200], "outcome": kind, "detail": detail})
    finally:
        writer.stop.set()
        writer.join(30)
    Path(ROOT / ".hausgraph-test").mkdir(exist_ok=True)
    (ROOT / ".hausgraph-test" / "console-hostile.json").write_text(json.dumps(outcomes, indent=1))

    n_hostile, n_runaway = len(HOSTILE), len(RUNAWAY)
    wrong = [o for o in outcomes[:n_hostile] if o["outcome"] != "refused"]
    assert not wrong, wrong
    runaway = outcomes[n_hostile : n_hostile + n_runaway]
    assert all(o["outcome"] == "stopped" for o in runaway), runaway
    reads = outcomes[n_hostile + n_runaway :]
    assert all(o["outcome"] == "ran" for o in reads), [o for o in reads if o["outcome"] != "ran"]

    # the server is the same live process, and the writer was never touched
    records, _, _ = neo4j_driver.execute_query("RETURN 1 AS ok", database_=db)
    assert records[0]["ok"] == 1
    assert _neo4j_pid() == pid_before
    assert writer.errors == []
    assert writer.batches > 0
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (w:ConsoleWriterProbe) RETURN count(w) AS n, max(w.batch) AS last", database_=db
    )
    assert records[0]["n"] == writer.batches * WRITE_BATCH
    assert records[0]["last"] == writer.batches - 1
    # nothing the hostile queries tried to write exists
    records, _, _ = neo4j_driver.execute_query(
        "OPTIONAL MATCH (p:Pwned) OPTIONAL MATCH (o:Owned) OPTIONAL MATCH (x {pwned: true}) "
        "RETURN count(p) + count(o) + count(x) AS n",
        database_=db,
    )
    assert records[0]["n"] == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("LOAD CSV FROM 'http://127.0.0.1:{port}/' AS r RETURN r", "cypher_ip_blocklist"),
        ("LOAD CSV FROM 'http://[::1]:{port}/' AS r RETURN r", "cypher_ip_blocklist"),
        ("LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r", "allow_csv_import_from_file_urls"),
    ],
)
def test_the_server_itself_refuses_urls_and_files(neo4j_driver, services, query, message):
    """Behind the guard: even text that reached the server could not fetch a URL or read a file."""
    if _neo4j_pid() is None:
        pytest.fail("this test checks the managed Neo4j's configuration; run it on the managed server")
    port = test_settings().neo4j_http_port
    with pytest.raises(neo4j.exceptions.ClientError, match=message):
        neo4j_driver.execute_query(query.format(port=port), database_=services.neo4j_database)


def test_the_server_stops_a_transaction_that_wants_too_much_memory(neo4j_driver, services):
    """Behind the guard: a transaction over its memory limit is killed, not the JVM."""
    pid_before = _neo4j_pid()
    with (
        neo4j_driver.session(database=services.neo4j_database) as session,
        pytest.raises(neo4j.exceptions.Neo4jError, match=r"(?i)memory"),
    ):
        session.run(
            "UNWIND range(1, 100000000) AS x RETURN size(collect(toString(x) + 'padding')) AS n"
        ).consume()
    records, _, _ = neo4j_driver.execute_query("RETURN 1 AS ok", database_=services.neo4j_database)
    assert records[0]["ok"] == 1
    assert _neo4j_pid() == pid_before


def test_the_plan_check_alone_refuses_what_the_tokenizer_refuses(neo4j_driver, services, probe_graph):
    """The second layer alone, on the server's real plans: no hostile query plans as an allowed read."""
    db = services.neo4j_database
    passed = []
    for query, params in HOSTILE:
        try:
            reason = check_plan(neo4j_driver, db, query, params, TIMEOUT_S)
        except ConsoleError:
            continue  # the server cannot even plan it (syntax, unknown procedure, ...)
        if reason is None:
            passed.append(query)
    # what the plan cannot see: value blow-ups inside expressions and sizes of the text/parameters;
    # and what the tokenizer refuses only for being ambiguous (to the server, \u2028 does not end a
    # comment and U+00A0 is a space, so those two plan as harmless reads; EXPLAIN EXPLAIN is one EXPLAIN)
    not_plan_level = ("reduce(", "replace(", "range(", "[a IN", "any(a IN", "RETURN 1 AS x", "WITH 'xxxx")
    ambiguous_only = ("\u2028", "\u00a0", "EXPLAIN ")
    assert [q for q in passed if not any(m in q for m in not_plan_level + ambiguous_only)] == []
    for query, params in READS:
        assert check_plan(neo4j_driver, db, query, params, TIMEOUT_S) is None, query


def _cli(services, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
    }
    return subprocess.run(
        [sys.executable, "-m", "hausgraph", "console", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_console_rows_on_stdout_refusals_on_stderr(services, probe_graph):
    ok = _cli(
        services,
        "--query",
        "MATCH (p:ConsoleProbe) WHERE p.i <= $n RETURN p.i AS i ORDER BY i",
        "--params",
        '{"n": 3}',
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == [{"i": 1}, {"i": 2}, {"i": 3}]
    as_csv = _cli(services, "-q", "MATCH (h:Household) RETURN h.id AS id, [1, 2] AS l", "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.splitlines() == ["id,l", 'h-1,"[1, 2]"']
    refused = _cli(services, "-q", "CYPHER runtime=slotted SHOW SETTINGS YIELD name RETURN name")
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert "CYPHER prefix is not allowed" in refused.stderr
    bad_params = _cli(services, "-q", "RETURN $x AS x", "--params", "[1]")
    assert bad_params.returncode == 2 and "JSON object" in bad_params.stderr


def test_results_stop_at_the_row_cap_and_the_byte_cap(neo4j_driver, services):
    query = "UNWIND range(1, 5000) AS i RETURN i, '" + "x" * 90 + "' AS pad"
    by_rows = run_console_query(neo4j_driver, services.neo4j_database, query, {}, 100, TIMEOUT_S, BYTE_CAP)
    assert (len(by_rows.rows), by_rows.stopped_by, by_rows.truncated) == (100, "row cap", True)
    by_bytes = run_console_query(neo4j_driver, services.neo4j_database, query, {}, 5000, TIMEOUT_S, 50_000)
    assert by_bytes.stopped_by == "byte cap" and 300 < len(by_bytes.rows) < 500
    whole = run_console_query(neo4j_driver, services.neo4j_database, query, {}, 5000, TIMEOUT_S, BYTE_CAP)
    assert (len(whole.rows), whole.stopped_by, whole.truncated) == (5000, None, False)
