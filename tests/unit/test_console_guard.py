"""The console's guard without a server: the tokenizer, the allowlists and the plan judge."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

import graph.console
import graph.console_guard
import graph.cypher_tokens
from graph.console import MAX_PARAMS_BYTES, ConsoleRefusal, parse_params, plan_operators
from graph.console_guard import judge_plan, screen
from graph.cypher_tokens import TokenizeError, tokenize
from tests.hostile_queries import HOSTILE, READS, RUNAWAY


@pytest.mark.parametrize("module", [graph.console, graph.console_guard, graph.cypher_tokens])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def _refused(query: str, params: dict) -> str | None:
    reason = screen(query)
    if reason is None:
        try:
            parse_params(json.dumps(params))
        except ConsoleRefusal as err:
            reason = err.message
    return reason


@pytest.mark.parametrize(("query", "params"), HOSTILE, ids=[q[:60] for q, _ in HOSTILE])
def test_every_hostile_query_is_refused_before_the_server(query, params):
    assert _refused(query, params)


@pytest.mark.parametrize(("query", "params"), READS + RUNAWAY, ids=[q[:60] for q, _ in READS + RUNAWAY])
def test_ordinary_reads_pass_to_planning(query, params):
    assert _refused(query, params) is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("WITH '/*' AS a LOAD CSV FROM 'http://x' AS r RETURN a, r, '*/' AS b", "LOAD CSV"),
        ("USE`neo4j` SHOW SETTINGS", "USE"),
        ("CYPHER runtime=slotted SHOW SETTINGS", "CYPHER prefix"),
        ("SHOW TRANSACTIONS YIELD currentQuery", "SHOW"),
        ("TERMINATE TRANSACTIONS 'neo4j-transaction-1'", "TERMINATE"),
        ("CALL db.stats.retrieve('QUERIES')", "procedure db.stats.retrieve"),
        ("CALL dbms.listConfig()", "procedure dbms.listConfig"),
        ("MATCH (n) RETURN apoc.text.join(['a'], '')", "function apoc.text.join"),
        ("RETURN reduce(s = 'x', i IN [1] | s + s)", "reduce"),
        ("MATCH (n) CALL (n) { RETURN 1 AS x } IN TRANSACTIONS RETURN x", "IN TRANSACTIONS"),
        ("MATCH (n) RETURN n; MATCH (n) RETURN n", "one statement"),
        ("RETURN '\\u0041'", "\\u escapes"),
    ],
)
def test_refusals_name_what_was_refused(query, message):
    reason = screen(query)
    assert reason is not None and message in reason


def test_tokenizer_keeps_comment_markers_inside_strings_and_names():
    values = [(t.kind, t.value) for t in tokenize("RETURN '/*' AS `//`, \"*/\" // tail")]
    assert values == [
        ("word", "RETURN"),
        ("string", "/*"),
        ("word", "AS"),
        ("name", "//"),
        ("symbol", ","),
        ("string", "*/"),
    ]


@pytest.mark.parametrize("text", ["RETURN 'open", "RETURN `open", "RETURN 1 /* open", "RETURN $"])
def test_tokenizer_refuses_unterminated_text(text):
    with pytest.raises(TokenizeError):
        tokenize(text)


def test_trailing_semicolons_are_fine():
    assert screen("MATCH (n) RETURN n;") is None
    assert screen("MATCH (n) RETURN n;;") is None


def test_only_read_plans_of_allowed_operators_run():
    assert judge_plan("r", [("ProduceResults@neo4j", ""), ("NodeByLabelScan@neo4j", "n:Household")]) is None
    for qt in ("w", "rw", "s", None):
        assert judge_plan(qt)
    assert judge_plan("r", [("ShowTransactions@neo4j", "")])
    assert judge_plan("r", [("TransactionApply@neo4j", "")])
    assert judge_plan("r", [("ProcedureCall@neo4j", "db.labels() :: (label :: STRING)")]) is None
    assert judge_plan("r", [("ProcedureCall@neo4j", "`db`.`stats`.retrieve(s) :: (data :: MAP)")])


def test_plan_operators_walks_the_whole_tree():
    plan = {
        "operatorType": "ProduceResults@neo4j",
        "args": {"Details": "x"},
        "children": [
            {"operatorType": "Apply@neo4j", "children": [{"operatorType": "LoadCSV@neo4j"}, {"args": {}}]},
        ],
    }
    assert [op for op, _ in plan_operators(plan)] == [
        "ProduceResults@neo4j",
        "Apply@neo4j",
        "LoadCSV@neo4j",
        "?",
    ]


def test_parameters_are_bounded():
    with pytest.raises(ConsoleRefusal, match="larger than"):
        parse_params(json.dumps({"x": "y" * MAX_PARAMS_BYTES}))


def test_the_projects_own_read_queries_pass_the_guard():
    """A broad check against false refusals: every read query in cypher/ would be accepted, except
    the few that build values with reduce/range on purpose (the privacy scan, the campaign report's
    per-impression arithmetic): the console refuses exactly those constructs, nothing else in them."""
    root = Path(__file__).resolve().parents[2] / "cypher"
    reads = {f.relative_to(root).as_posix(): f.read_text() for f in root.rglob("*.cypher")}
    reads = {name: text for name, text in reads.items() if "// mode: read" in text}
    refused = {name: screen(text) for name, text in reads.items() if screen(text)}
    assert len(reads) > 30
    on_purpose = {
        "db/read_string_values.cypher",
        "campaigns/read_campaign_over_cap.cypher",
        "jobs/read_device_day_columns.cypher",
        "campaigns/read_cap_times.cypher",
        "campaigns/read_cap_times_of_units.cypher",
        # what a device watched is a per-day list with parallel views/seconds: read by index
        "jobs/read_watch.cypher",
        "dashboards/read_household_graph.cypher",
        "db/read_totals.cypher",
    }
    assert set(refused) == on_purpose
    assert all("reduce" in why or "range()" in why for why in refused.values()), refused
