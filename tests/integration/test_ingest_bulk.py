"""``ingest --bulk`` (neo4j-admin import) makes the graph streaming makes; streaming resumes after it.

The bulk import stops its Neo4j, so it runs against a private managed Neo4j (own state folder and
ports); the streaming reference goes into the session's test database. Graphs are compared as sorted
dumps of every node and relationship with all properties, except the ingest clock (``ingested``,
``updated``, ``started``, ``last_commit``), the per-batch ``late``/``batches`` counters, and with two
normalisations that do not change meaning: lists merged by key (a DeviceDay's contents, series and
genres; an exposure's events; a bucket's ids) are compared as sorted tuples, since streaming appends
each batch's new keys after the earlier ones, and floats are rounded to 6 decimals (sums added in
another order).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaProducer

from graph.admin import migrate
from graph.client import GraphClient, connect
from hausgraph.bulk_import import BulkRefused, run_bulk
from hausgraph.runtime import kafka_ingest_loop
from hausgraph.servers import Connections, start, stop
from hausgraph.servers.neo4j_server import managed_password
from hausgraph.settings import Settings
from ingest.batch import prepare
from ingest.bulk import UnreadableInput
from ingest.contract import normalize_mac
from ingest.deadletters import FileDeadLetters
from ingest.file_source import chunks, file_records, open_lines
from ingest.pseudonym import Pseudonymizer
from ingest.sink import read_offsets, write_batch
from ingest.topics import ensure_topics
from tests.integration.world import SECRET, make_world
from tests.servers import ROOT, test_ports

_P = test_ports().private
_VOLATILE = {"ingested", "updated", "started", "last_commit", "late", "batches", "applied", "created"}
#: parallel lists merged by key: compared as sorted tuples of their zipped elements
_ZIPPED = {
    "DeviceDay": [
        ("contents", "content_views", "content_seconds"),
        ("series_ids", "series_views", "series_seconds"),
        ("genres", "genre_seconds"),
    ],
    "EXPOSED_ON": [("times", "kinds", "ads")],
    "SEEN_ON": [("ids",)],
}
_HOSTILE_CONTENT = [
    {"content_id": 'odd,"id"\nwith newline', "title": 'A "quoted", title\r\nover lines', "kind": "movie",
     "genres": ["drama", "semi;colon"], "age_rating": 12},
    {"content_id": "ünï-çødé ✓", "title": "", "genres": []},
]  # fmt: skip


def _norm(v):
    if isinstance(v, float):
        return round(v, 6)
    if isinstance(v, list):
        return tuple(_norm(x) for x in v)
    return v


def _props(kind: str, props: dict) -> tuple:
    props = {k: v for k, v in props.items() if k not in _VOLATILE}
    for group in _ZIPPED.get(kind, []):
        if all(k in props for k in group):
            rows = sorted(zip(*(props.pop(k) for k in group), strict=True), key=repr)
            props["+".join(group)] = tuple(tuple(_norm(x) for x in r) for r in rows)
    return tuple(sorted((k, _norm(v)) for k, v in props.items()))


def _ident(labels, props: dict) -> str:
    label = sorted(labels)[0] if labels else "?"
    return f"{label}:{props.get('key', props.get('id', props.get('name')))}"


def dump(client: GraphClient, skip: set[str] = frozenset()) -> dict[str, list]:
    """Every node and relationship, by label/type, as sorted normalised tuples."""
    out: dict[str, list] = {}
    with client.driver.session(database=client.database) as s:
        for rec in s.run("MATCH (n) RETURN labels(n) AS labels, properties(n) AS p"):
            label = sorted(rec["labels"])[0]
            if label in {"Migration", "HausgraphTestDatabase"} | skip:
                continue
            out.setdefault(label, []).append(_props(label, rec["p"]))
        q = (
            "MATCH (a)-[r]->(b) RETURN type(r) AS t, labels(a) AS la, properties(a) AS a, "
            "labels(b) AS lb, properties(b) AS b, properties(r) AS p"
        )
        for rec in s.run(q):
            ends = (_ident(rec["la"], rec["a"]), _ident(rec["lb"], rec["b"]))
            out.setdefault(rec["t"], []).append((ends, _props(rec["t"], rec["p"])))
    return {k: sorted(v, key=repr) for k, v in out.items()}


def _diff(kind: str, got: list, want: list) -> str:
    extra = [x for x in got if x not in want][:2]
    missing = [x for x in want if x not in got][:2]
    return f"{kind}: bulk only {extra} streaming only {missing}"


def _world(tmp: Path) -> dict[str, Path]:
    make_world(tmp, households=25, days=3, seed=23)
    lines = (tmp / "events.jsonl").read_bytes().splitlines()
    first = json.loads(lines[0])
    extra = [
        lines[0],  # an exact copy
        json.dumps(
            {**first, "mac": first["mac"].upper().replace(":", "-")}
        ).encode(),  # the MAC, spelled otherwise
        json.dumps({**first, "content_id": _HOSTILE_CONTENT[0]["content_id"]}).encode(),
        json.dumps({**first, "content_id": _HOSTILE_CONTENT[1]["content_id"], "duration_s": 7}).encode(),
        # an ad event without ad or source (stored as ""), one with an awkward ad id, a search-only device
        json.dumps({k: first[k] for k in ("ts", "ip", "mac")} | {"event": "impression"}).encode(),
        json.dumps({k: first[k] for k in ("ts", "ip", "mac")} | {"event": "click", "ad_id": 'a,"d'}).encode(),
        json.dumps(
            {k: first[k] for k in ("ts", "ip")} | {"mac": "02:11:22:33:44:55", "event": "search"}
        ).encode(),
        b'{"mac": "00:00:00:00:00:00", "ts": 1}',
        b"not json at all",
        b"",
    ]
    (tmp / "events.jsonl").write_bytes(b"\n".join(lines[:200] + extra + lines[200:]) + b"\n")
    with (tmp / "content.jsonl").open("a") as fh:
        for c in _HOSTILE_CONTENT:
            fh.write(json.dumps(c) + "\n")
    return {k: tmp / f"{k}.jsonl" for k in ("events", "content", "campaigns")}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    return _world(tmp_path_factory.mktemp("bulkworld"))


@pytest.fixture(scope="module")
def private(tmp_path_factory) -> Iterator[Settings]:
    """A Neo4j of this module's own: the bulk import stops it."""
    settings = Settings(
        state_dir=tmp_path_factory.mktemp("bulkstate"),
        neo4j_bolt_port=_P(36),
        neo4j_http_port=_P(37),
        kafka_port=_P(38),
        kafka_controller_port=_P(39),
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        bulk_import_memory="512m",
        pseudonym_secret=SECRET,
        ingest_batch_size=700,
    )
    start(settings, ["neo4j"])
    try:
        yield settings
    finally:
        stop(settings, ["neo4j"])


def _client(settings: Settings) -> GraphClient:
    password = managed_password(settings)
    assert password is not None
    driver = connect(f"bolt://127.0.0.1:{settings.neo4j_bolt_port}", "neo4j", password)
    return GraphClient(driver, "neo4j", 120)


def _emptied(settings: Settings) -> None:
    c = _client(settings)
    try:
        with c.driver.session(database=c.database) as s:
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    finally:
        c.close()


def _stream_files(client: GraphClient, files: dict[str, Path], dead: Path, batch: int) -> None:
    """What ``hausgraph ingest --from-file`` does (catalog, campaigns, then events), in small batches."""
    pseudo = Pseudonymizer(SECRET)
    sink = FileDeadLetters(dead)
    for name, kind in (("content", "content"), ("campaigns", "campaign"), ("events", "view")):
        path = str(files[name])
        with open_lines(path) as stream:
            for chunk in chunks(file_records(stream, path, kind), batch):
                now = int(time.time() * 1000)
                prep = prepare(chunk, pseudo, now)
                sink.send(prep.dead)
                write_batch(client, prep, f"file:{kind}", now)
    sink.close()


def _bulk(settings: Settings, files: dict[str, Path], dead: Path, tmp: Path, **kw):
    return run_bulk(
        settings, lambda: _client(settings), str(files["events"]), str(files["content"]),
        str(files["campaigns"]), SECRET, dead, tmp / "work", **kw,
    )  # fmt: skip


def _mac(line: bytes) -> bytes:
    try:
        return normalize_mac(json.loads(line)["mac"]).encode()
    except Exception:
        return b"?"


def _dead_lines(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines())


@pytest.fixture
def reference(neo4j_driver, services, clean_db) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    migrate(c)
    return c


def test_bulk_import_makes_the_graph_streaming_makes(world, private, reference, tmp_path) -> None:
    _stream_files(reference, world, tmp_path / "dead-stream.jsonl", batch=700)
    _emptied(private)
    report = _bulk(private, world, tmp_path / "dead-bulk.jsonl", tmp_path)
    bulk = _client(private)
    try:
        got, want = dump(bulk), dump(reference)
    finally:
        bulk.close()
    assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in want.items()}
    for kind in sorted(want):
        assert got[kind] == want[kind], _diff(kind, got[kind], want[kind])
    assert len(want["Device"]) > 50 and len(want["EXPOSED_ON"]) > 0 and len(want["DeadLetterCount"]) >= 2
    assert _dead_lines(tmp_path / "dead-bulk.jsonl") == _dead_lines(tmp_path / "dead-stream.jsonl")
    assert report.files.counts["Device"] == len(want["Device"])
    # a second bulk into the now full database is refused, and nothing changed
    with pytest.raises(BulkRefused, match="not empty"):
        _bulk(private, world, tmp_path / "dead-again.jsonl", tmp_path)


def test_a_failed_import_is_one_line_and_the_server_comes_back(world, private, tmp_path, monkeypatch) -> None:
    import hausgraph.bulk_import as bulk_import

    real = bulk_import.build_files

    def with_a_twin(*args, **kwargs):
        files = real(*args, **kwargs)
        first = files.files["Device"][1].read_text().splitlines()[0]
        with files.files["Device"][-1].open("a") as fh:
            fh.write(first + "\n")  # the same device twice: the importer refuses duplicate ids
        return files

    monkeypatch.setattr(bulk_import, "build_files", with_a_twin)
    _emptied(private)
    with pytest.raises(BulkRefused, match="neo4j-admin import failed: ") as err:
        _bulk(private, world, tmp_path / "dead.jsonl", tmp_path)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400
    assert not (tmp_path / "work").exists()  # spill and CSV files are removed
    # no graph holds the failed run's dead letters: they are not in the file
    assert _dead_lines(tmp_path / "dead.jsonl") == []
    client = _client(private)
    try:
        assert client.read("ingest/read_stats")[0]["stats"] == []  # up, answering, and nothing half-loaded
    finally:
        client.close()
    # the retry writes each dead letter once (they were appended twice before)
    monkeypatch.setattr(bulk_import, "build_files", real)
    report = _bulk(private, world, tmp_path / "dead.jsonl", tmp_path)
    lines = _dead_lines(tmp_path / "dead.jsonl")
    assert len(lines) == len(report.files.dead.dead) >= 2 and len(set(lines)) == len(lines)


def test_streaming_resumes_from_kafka_after_bulk_without_gap_or_duplicate(
    world, private, reference, kafka_bootstrap, tmp_path
) -> None:
    lines = [ln for ln in world["events"].read_bytes().splitlines() if ln.strip()]
    half = len(lines) // 2
    history, live = lines[:half], lines[half:]
    topic = f"bulk-{uuid.uuid4().hex[:8]}"
    ensure_topics(kafka_bootstrap, {topic: 3, topic + ".content": 1, topic + ".campaigns": 1})
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", linger_ms=5)
    t_live = int(time.time() * 1000) - 60_000
    for i, ln in enumerate(lines):  # keyed by MAC: a device's events keep their order
        producer.send(topic, ln, key=_mac(ln), timestamp_ms=t_live - 30_000 if i < half else t_live)
    producer.flush()
    # the file was exported a little after the live part began: it overlaps the first 10 % of it
    files = {**world, "events": tmp_path / "history.jsonl"}
    files["events"].write_bytes(b"\n".join(history + live[: len(live) // 10]) + b"\n")
    names = {"topic_views": topic, "topic_content": topic + ".content", "topic_dlq": topic + ".dlq"}
    names |= {"topic_campaigns": topic + ".campaigns", "consumer_group": f"g-{topic}"}
    settings = private.model_copy(update=names)
    _emptied(settings)
    resume = datetime.fromtimestamp(t_live / 1000, tz=UTC).isoformat()
    report = _bulk(settings, files, tmp_path / "dead-bulk.jsonl", tmp_path, kafka_resume=resume,
                   kafka_bootstrap=kafka_bootstrap)  # fmt: skip
    stored = {
        (o["topic"], o["partition"]): o["next"]
        for o in report.offsets
        if o["group"] == settings.consumer_group
    }
    assert sum(n for (t, _), n in stored.items() if t == topic) == len(history)
    client = _client(settings)
    try:
        uri = f"bolt://127.0.0.1:{settings.neo4j_bolt_port}"
        conn = Connections(uri, "neo4j", managed_password(settings) or "", "neo4j", kafka_bootstrap)
        loop, dlq = kafka_ingest_loop(settings, conn, client, 500)
        stop_ev = threading.Event()
        t = threading.Thread(target=loop.run, args=(stop_ev,), daemon=True)
        t.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            offsets = read_offsets(client, settings.consumer_group)
            if sum(n for (tp, _), n in offsets.items() if tp == topic) >= len(lines):
                break
            time.sleep(0.5)
        stop_ev.set()
        t.join(60)
        dlq.close()
        skip = {"IngestOffset", "IngestStats", "DeadLetterCount"}
        got = dump(client, skip)
        stats = {s["id"]: s for s in client.read("ingest/read_stats")[0]["stats"]}
    finally:
        client.close()
    # the reference: every line once, streamed
    _stream_files(reference, {**world}, tmp_path / "dead-ref.jsonl", batch=700)
    want = dump(reference, skip)
    assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in want.items()}
    for kind in sorted(want):
        assert got[kind] == want[kind], _diff(kind, got[kind], want[kind])
    # the overlap was read again from Kafka and counted as duplicates, nothing was lost
    assert stats[settings.consumer_group]["valid"] + stats[settings.consumer_group]["invalid"] == len(live)
    assert stats[settings.consumer_group]["duplicates"] >= len(live) // 10 - 5


def test_bad_inputs_are_refused_in_one_line(tmp_path) -> None:
    env = {
        "HAUSGRAPH_STATE_DIR": str(tmp_path / "state"),
        "HAUSGRAPH_NEO4J_BOLT_PORT": str(_P(36)),
        "HAUSGRAPH_PSEUDONYM_SECRET": SECRET,
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "300",
    }
    bad_gz = tmp_path / "broken.jsonl.gz"
    bad_gz.write_bytes(b"this is not gzip")
    for path, words in ((tmp_path / "missing.jsonl", "no such file"), (bad_gz, "Not a gzipped file")):
        proc = subprocess.run(
            [sys.executable, "-m", "hausgraph", "ingest", "--bulk", str(path)],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        )  # fmt: skip
        said = " ".join(proc.stderr.split())
        assert proc.returncode != 0
        assert f"cannot read {path}" in said and words in said and "Traceback" not in said, proc.stderr
        assert not (tmp_path / "state").exists()  # refused before any server was started
    settings = Settings(
        state_dir=tmp_path / "state", pseudonym_secret=SECRET, neo4j_uri="bolt://elsewhere:7687"
    )
    good = tmp_path / "ok.jsonl"
    good.write_bytes(b"{}\n")
    with pytest.raises(UnreadableInput):
        run_bulk(
            settings,
            lambda: None,
            str(tmp_path / "missing.jsonl"),
            None,
            None,
            SECRET,
            tmp_path / "d",
            tmp_path / "w",
        )
    with pytest.raises(BulkRefused, match="managed Neo4j"):
        run_bulk(settings, lambda: None, str(good), None, None, SECRET, tmp_path / "d", tmp_path / "w")
