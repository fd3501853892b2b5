"""The Cypher loader: names, headers, statements, and no query text in Python."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cypher

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_declares_its_mode():
    for name in cypher.names():
        text = cypher.load(name).text
        assert re.search(r"^//\s*mode:\s*(read|write|schema)\b", text, re.M), name


def test_every_used_param_is_documented():
    for name in cypher.names():
        f = cypher.load(name)
        header = "\n".join(line for line in f.text.splitlines() if line.startswith("//"))
        body = "\n".join(line for line in f.text.splitlines() if not line.startswith("//"))
        for p in set(re.findall(r"\$([A-Za-z_]\w*)", body)):
            assert f"${p}" in header, f"{name}: ${p} is not in its header"


def test_unknown_query_names_the_query():
    with pytest.raises(cypher.UnknownQuery) as info:
        cypher.load("nope/missing")
    assert info.value.query_name == "nope/missing"


def test_query_carries_its_name_as_metadata():
    q = cypher.query("db/read_migrations", timeout=3)
    assert q.metadata == {"query": "db/read_migrations"} and q.timeout == 3


def test_schema_files_are_numbered_and_idempotent():
    schema = [n for n in cypher.names() if n.startswith("schema/")]
    assert schema and all(re.match(r"schema/\d{3}_", n) for n in schema)
    for name in schema:
        for statement in cypher.statements(name):
            assert "IF NOT EXISTS" in statement, statement


def test_python_holds_no_query_text():
    pattern = re.compile(r"""["'](\s*)(MATCH|MERGE|CREATE|UNWIND|CALL)\s+[\(\{a-z]""")
    offenders = []
    for pkg in ("graph", "ingest", "generator", "dashboards", "hausgraph"):
        for path in (ROOT / pkg).rglob("*.py"):
            if path.name in ("console.py", "console_guard.py", "cypher_tokens.py"):
                continue  # the analyst console runs (and its guard screens) the user's own text
            if pattern.search(path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
