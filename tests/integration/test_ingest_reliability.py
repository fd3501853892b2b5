"""Ingest under failure against the real servers: SIGKILL, a Neo4j restart, and hostile input."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from graph.admin import migrate
from graph.client import GraphClient, connect
from hausgraph.servers import start, stop
from hausgraph.settings import Settings
from ingest.contract import MAX_MESSAGE_BYTES
from ingest.deadletters import KafkaDeadLetters
from ingest.kafka_source import IngestLoop, end_offsets, make_consumer
from ingest.pseudonym import Pseudonymizer
from ingest.sink import read_offsets
from tests.integration.eventdata import BASE_MS, sample_stream
from tests.integration.waits import wait_moving

SECRET = "reliability-secret"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(neo4j_driver, services, clean_db) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    migrate(c)
    return c


# --- helpers -------------------------------------------------------------------------------------


def _produce(bootstrap: str, topic: str, msgs: list[bytes | None]) -> list[tuple[int, int]]:
    """Send ``msgs`` (``None`` = tombstone); returns each message's (partition, offset)."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_request_size=4 << 20)
    futures = [producer.send(topic, key=str(i % 8).encode(), value=m) for i, m in enumerate(msgs)]
    producer.flush()
    positions = [(md.partition, md.offset) for md in (f.get(timeout=30) for f in futures)]
    producer.close()
    return positions


def _read_topic(bootstrap: str, topic: str) -> list:
    """Every record of ``topic`` up to its current end."""
    ends = end_offsets(bootstrap, [topic])
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_bytes=64 << 20)
    try:
        parts = [TopicPartition(t, p) for (t, p), n in ends.items() if n > 0]
        if not parts:
            return []
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        out: list = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < ends[(tp.topic, tp.partition)] for tp in parts):
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            for msgs in consumer.poll(timeout_ms=500).values():
                out.extend(msgs)
        return out
    finally:
        consumer.close()


def _letter_positions(letters: list) -> set[tuple[int, int]]:
    heads = [dict(m.headers) for m in letters]
    return {(int(h["source_partition"]), int(h["source_offset"])) for h in heads}


def _caught_up(client: GraphClient, group: str, ends: dict[tuple[str, int], int]) -> bool:
    stored = read_offsets(client, group)
    return all(stored.get(tp, 0) >= n for tp, n in ends.items() if n > 0)


def _group_stats(client: GraphClient, group: str) -> dict:
    return next((s for s in client.read("ingest/read_stats")[0]["stats"] if s["id"] == group), {})


def _wait(done: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
        time.sleep(interval)


def _stored_total(client: GraphClient, group: str) -> int:
    return sum(read_offsets(client, group).values())


def _run_in_thread(
    loop: IngestLoop, stop_event: threading.Event, on_batch=None
) -> tuple[threading.Thread, list]:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            loop.run(stop_event, on_batch=on_batch)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target, daemon=True, name="ingest-loop")
    t.start()
    return t, errors


def _loop(client: GraphClient, bootstrap: str, group: str, views: str, dlq: str, batch: int):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 << 20)
    consumer = make_consumer(bootstrap, group, batch)
    loop = IngestLoop(
        consumer,
        client,
        KafkaDeadLetters(producer, dlq),
        Pseudonymizer(SECRET),
        group,
        views,
        views + ".content",
        poll_timeout_ms=200,
        max_records=batch,
    )
    return loop, producer


# --- 1. SIGKILL of the ingest process mid-stream -------------------------------------------------


def _spawn_ingest(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "hausgraph", "ingest", *args],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _ingester_env(services, views: str, dlq: str, group: str) -> dict[str, str]:
    """The environment of an ingester process on the test servers, reading ``views`` in ``group``."""
    return {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
        "KAFKA_BOOTSTRAP_SERVERS": services.kafka_bootstrap,
        "HAUSGRAPH_TOPIC_VIEWS": views,
        "HAUSGRAPH_TOPIC_CONTENT": views + ".content",
        "HAUSGRAPH_TOPIC_CAMPAIGNS": views + ".campaigns",
        "HAUSGRAPH_TOPIC_DLQ": dlq,
        "HAUSGRAPH_CONSUMER_GROUP": group,
        "HAUSGRAPH_PSEUDONYM_SECRET": SECRET,
        "HAUSGRAPH_INGEST_BATCH_SIZE": "200",
        "HAUSGRAPH_INGEST_POLL_TIMEOUT_MS": "200",
    }


def test_sigkill_mid_stream_loses_nothing_and_doubles_nothing(client, services, unique_topic, tmp_path):
    views, dlq, group = unique_topic, unique_topic + ".dlq", "rel-" + unique_topic
    msgs, n_bad = sample_stream(n_devices=200, per_device=30)
    assert len(set(msgs)) < len(msgs)  # the stream does carry byte-identical duplicates
    unique_valid = len(set(msgs)) - n_bad
    _produce(services.kafka_bootstrap, views, msgs)
    ends = end_offsets(services.kafka_bootstrap, [views])
    env = {**_ingester_env(services, views, dlq, group), "HAUSGRAPH_LOG_LEVEL": "INFO"}
    log = tmp_path / "ingest.log"
    procs: list[subprocess.Popen] = []
    try:
        first = _spawn_ingest(env, log)
        procs.append(first)

        def some_batches() -> bool:
            assert first.poll() is None, (
                f"ingest exited early ({first.returncode}):\n{log.read_text()[-3000:]}"
            )
            return _group_stats(client, group).get("batches", 0) >= 3

        _wait(some_batches, 45, "the first batches", interval=0.05)
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        assert not _caught_up(client, group, ends), "the stream was done before the kill; nothing was tested"
        killed_at = _group_stats(client, group)

        second = _spawn_ingest(env, log)
        procs.append(second)

        def caught_up() -> bool:
            assert second.poll() is None, (
                f"ingest exited early ({second.returncode}):\n{log.read_text()[-3000:]}"
            )
            return _caught_up(client, group, ends)

        wait_moving(caught_up, lambda: _stored_total(client, group), "the restarted ingester to catch up")
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0, log.read_text()[-3000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)

    totals = client.read("db/read_totals")[0]
    assert totals["events"] == totals["bucket_events"] == unique_valid
    assert totals["devices"] == 200
    stats = _group_stats(client, group)
    assert stats["batches"] > killed_at["batches"]
    # offsets are stored with the data, so each record is in exactly one committed transaction
    assert stats["fresh"] == unique_valid
    assert stats["valid"] + stats["invalid"] == len(msgs)
    assert stats["invalid"] == n_bad

    letters = _read_topic(services.kafka_bootstrap, dlq)
    assert len(letters) >= n_bad  # at-least-once: a killed batch may send its letters again
    assert len(_letter_positions(letters)) == n_bad
    # the original bytes, or the first 64 KiB of an oversize record (its size and digest in the headers)
    assert {m.value for m in letters if "truncated" not in dict(m.headers)} <= set(msgs)
    assert all(any(o.startswith(m.value) for o in msgs) for m in letters)


# --- 2. Neo4j stopped and started mid-stream -----------------------------------------------------


def test_neo4j_restart_mid_stream_backs_off_and_resumes(client, services, neo4j_driver, unique_topic):
    if not services.neo4j_managed:
        pytest.skip("Neo4j is an external server (NEO4J_URI or testcontainers); a test cannot restart it")
    views, dlq, group = unique_topic, unique_topic + ".dlq", "restart-" + unique_topic
    msgs, n_bad = sample_stream(n_devices=60, per_device=40, seed=11)
    unique_valid = len(set(msgs)) - n_bad
    half = len(msgs) // 2
    _produce(services.kafka_bootstrap, views, msgs[:half])
    # A short driver retry window so an outage reaches the loop's own back-off (the default, 30 s,
    # would hide a short restart inside the driver).
    driver = connect(
        services.neo4j_uri, services.neo4j_user, services.neo4j_password, max_transaction_retry_time=1.0
    )
    loop_client = GraphClient(driver, services.neo4j_database, timeout=60)
    loop, producer = _loop(loop_client, services.kafka_bootstrap, group, views, dlq, batch=50)
    stop_event = threading.Event()
    thread, errors = _run_in_thread(loop, stop_event, on_batch=lambda s: time.sleep(0.05))
    try:
        _wait(lambda: loop.stats.batches >= 3 or bool(errors), 30, "the first batches")
        settings = Settings()  # the same environment the session fixture started the servers from
        stop(settings, ["neo4j"])
        _produce(services.kafka_bootstrap, views, msgs[half:])  # arrives while Neo4j is down
        time.sleep(1)  # stop() waited for a clean shutdown; the loop has been backing off meanwhile
        assert thread.is_alive(), errors
        start(settings, ["neo4j"])
        ends = end_offsets(services.kafka_bootstrap, [views])
        wait_moving(
            lambda: loop.caught_up(ends) or bool(errors),
            lambda: loop.stats.valid + loop.stats.invalid,
            "the loop to catch up after the restart",
        )
    finally:
        stop_event.set()
        thread.join(30)
        producer.close()
        driver.close()
    assert not errors, errors
    assert not thread.is_alive()
    assert loop.stats.retries > 0

    # the session's driver reconnects by itself after the restart
    after = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    totals = after.read("db/read_totals")[0]
    assert totals["events"] == totals["bucket_events"] == unique_valid
    assert totals["devices"] == 60
    # the stored stats were written in the same transactions as the data: exact
    assert _group_stats(after, group)["fresh"] == unique_valid
    # the loop's own counter may miss a batch whose commit acknowledgement was lost in the outage
    assert loop.stats.fresh <= unique_valid
    assert len(_letter_positions(_read_topic(services.kafka_bootstrap, dlq))) == n_bad


# --- 3. hostile input ----------------------------------------------------------------------------

VALID, INVALID, EITHER = "valid", "invalid", "either"


def _event(i: int, rng: random.Random) -> dict:
    """A valid, unique (distinct ts) view event."""
    return {
        "ts": BASE_MS + i * 1000,
        "ip": f"81.20.{rng.randrange(256)}.{rng.randrange(1, 250)}",
        "mac": f"3c:22:fb:aa:{rng.randrange(256):02x}:{rng.randrange(256):02x}",
        "event": "view",
        "content_id": f"show-{rng.randrange(12)}",
        "duration_s": rng.randrange(0, 3600),
    }


def _pad_to(ev: dict, size: int) -> bytes:
    """``ev`` as JSON of exactly ``size`` bytes (an ignored extra field takes up the room)."""
    ev = {**ev, "pad": ""}
    ev["pad"] = "x" * (size - len(json.dumps(ev).encode()))
    out = json.dumps(ev).encode()
    assert len(out) == size
    return out


def _dumps(obj) -> bytes:
    return json.dumps(obj).encode()


def _without(ev: dict, key: str) -> dict:
    return {k: v for k, v in ev.items() if k != key}


def _mutations(now_ms: int) -> list[tuple[str, Callable[[dict], bytes | None]]]:
    """Every malformed kind of contract section 1, as a change to a valid event."""
    out: list[tuple[str, Callable[[dict], bytes | None]]] = []
    for f in ("ts", "ip", "mac"):
        out.append((f"missing {f}", lambda e, f=f: _dumps(_without(e, f))))
        out.append((f"null {f}", lambda e, f=f: _dumps({**e, f: None})))
    bad_values = {
        "ts": [
            "yesterday",
            "2026-11-02T19:04:11",
            "2026-13-45T99:99:99Z",
            "",
            -5,
            True,
            1.5,
            [],
            {},
            now_ms + 2 * 3_600_000,
            "2099-01-01T00:00:00Z",
        ],
        "ip": [
            "999.1.1.1",
            "81.1.1",
            "10.0.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "224.0.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "ff02::1",
            "::",
            12345,
            ["81.1.1.1"],
            "",
        ],
        "mac": [
            "3c:22:fb:00:00",
            "3c:22:fb:00:00:01:02",
            "zz:22:fb:00:00:01",
            "3c:22-fb:00:00:01",
            "00:00:00:00:00:00",
            "FF-FF-FF-FF-FF-FF",
            "ffff.ffff.ffff",
            66111342133249,
            "",
        ],
        "event": ["play", "", "VIEW", 1, None, ["view"]],
        "content_id": ["", "c" * 129, 5, ["show-1"]],
        "device_type": ["smartwatch", 3, "TV"],
        "duration_s": [-1, "30", True, [1]],
        "ad_id": [5, "", "a" * 129],
        "campaign_id": [[], ""],
        "source": [{}, "s" * 129],
        "event_id": ["", "e" * 129, 7],
    }
    for f, values in bad_values.items():
        for v in values:
            out.append((f"{f}={v!r:.20}", lambda e, f=f, v=v: _dumps({**e, f: v})))
    out += [
        ("view without content_id", lambda e: _dumps(_without(e, "content_id"))),
        ("bookmark without content_id", lambda e: _dumps({**_without(e, "content_id"), "event": "bookmark"})),
        ("default event without content_id", lambda e: _dumps(_without(_without(e, "event"), "content_id"))),
        ("NaN duration", lambda e: _dumps(e)[:-1] + b', "duration_s": NaN}'),
        ("Infinity duration", lambda e: _dumps(e)[:-1] + b', "duration_s": Infinity}'),
        ("1e400 duration", lambda e: _dumps(e)[:-1] + b', "duration_s": 1e400}'),
        ("1e400 ts", lambda e: _dumps(_without(e, "ts"))[:-1] + b', "ts": 1e400}'),
        ("invalid utf-8", lambda e: _dumps({**e, "content_id": "@@"}).replace(b"@@", b"\xff\xfe")),
        ("truncated", lambda e: _dumps(e)[:-3]),
        ("json array of the event", lambda e: _dumps([e])),
        ("json string", lambda e: _dumps(json.dumps(e))),
        ("json number", lambda e: b"1793000000000"),
        ("json null", lambda e: b"null"),
        ("json true", lambda e: b"true"),
        ("empty", lambda e: b""),
        ("tombstone", lambda e: None),
        ("whitespace only", lambda e: b" \n\t "),
        ("too large by one byte", lambda e: _pad_to(e, MAX_MESSAGE_BYTES + 1)),
        ("huge", lambda e: _pad_to(e, 300_000)),
        ("deep array", lambda e: b"[" * 5000 + b"]" * 5000),
        ("deep object", lambda e: b'{"a":' * 5000 + b"1" + b"}" * 5000),
        ("two objects", lambda e: _dumps(e) + b"\n" + _dumps(e)),
    ]
    return out


def _valid_variants() -> list[tuple[str, Callable[[dict], bytes]]]:
    """Unusual but valid spellings the contract allows."""

    def mac_as(e: dict, form: str) -> bytes:
        h = e["mac"].replace(":", "")
        mac = {
            "dash": "-".join(h[i : i + 2] for i in range(0, 12, 2)).upper(),
            "dot": ".".join(h[i : i + 4] for i in range(0, 12, 4)),
            "bare": h.upper(),
        }[form]
        return _dumps({**e, "mac": mac})

    return [
        ("plain", _dumps),
        ("mac dashes", lambda e: mac_as(e, "dash")),
        ("mac dots", lambda e: mac_as(e, "dot")),
        ("mac bare", lambda e: mac_as(e, "bare")),
        ("ipv6", lambda e: _dumps({**e, "ip": "2a02:8071:77:%x::1" % (e["ts"] % 4096)})),
        (
            "rfc3339 offset",
            lambda e: _dumps(
                {**e, "ts": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(e["ts"] / 1000))}
            ),
        ),
        (
            "rfc3339 fraction",
            lambda e: _dumps(
                {**e, "ts": time.strftime("%Y-%m-%dT%H:%M:%S.250Z", time.gmtime(e["ts"] / 1000))}
            ),
        ),
        ("integral float ts", lambda e: _dumps({**e, "ts": float(e["ts"])})),
        (
            "impression without content",
            lambda e: _dumps(
                {**_without(e, "content_id"), "event": "impression", "ad_id": "ad-1", "campaign_id": "cmp-1"}
            ),
        ),
        ("search", lambda e: _dumps({**_without(e, "content_id"), "event": "search"})),
        ("no event field", lambda e: _dumps(_without(e, "event"))),
        (
            "unicode content",
            lambda e: json.dumps({**e, "content_id": "Käse-Show 📺"}, ensure_ascii=False).encode(),
        ),
        ("extra fields", lambda e: _dumps({**e, "x": [1, {"y": None}], "z": "ignored", "score": 1e300})),
        ("nested extra", lambda e: _dumps({**e, "deep": json.loads("[" * 50 + "]" * 50)})),
        ("surrounding whitespace", lambda e: b"  " + _dumps(e) + b"\n"),
        ("float duration", lambda e: _dumps({**e, "duration_s": 12.5})),
        ("exactly 64 KiB", lambda e: _pad_to(e, MAX_MESSAGE_BYTES)),
        ("source empty", lambda e: _dumps({**e, "source": ""})),
        ("event_id", lambda e: _dumps({**e, "event_id": f"ev-{e['ts']}"})),
    ]


def _fuzz_stream(seed: int, n: int, now_ms: int) -> list[tuple[bytes | None, str]]:
    """``n`` shuffled messages, each labelled valid / invalid / either (contract silent)."""
    rng = random.Random(seed)
    out: list[tuple[bytes | None, str]] = []
    mutations, variants = _mutations(now_ms), _valid_variants()
    # every malformed kind and every valid spelling at least once, then a random mix
    for i, (_, mutate) in enumerate(mutations):
        out.append((mutate(_event(i, rng)), INVALID))
    for i, (_, spell) in enumerate(variants):
        out.append((spell(_event(10_000 + i, rng)), VALID))
    # optional fields set to null: the schema says invalid, the contract text only names required fields
    for i, f in enumerate(("ad_id", "campaign_id", "source", "device_type", "duration_s", "event_id")):
        out.append((json.dumps({**_event(20_000 + i, rng), f: None}).encode(), EITHER))
    i = 30_000
    while len(out) < n:
        i += 1
        r = rng.random()
        if r < 0.45:
            out.append((rng.choice(variants)[1](_event(i, rng)), VALID))
        elif r < 0.8:
            out.append((rng.choice(mutations)[1](_event(i, rng)), INVALID))
        else:  # random bytes, sometimes with a JSON-ish opening
            junk = rng.randbytes(rng.choice([1, 7, 100, 5000]))
            out.append((rng.choice([b"", b"{", b'{"ts":', b"["]) + junk, INVALID))
    rng.shuffle(out)
    return out


def test_hostile_input_never_crashes_and_every_record_lands_once(client, services, unique_topic):
    views, dlq, group = unique_topic, unique_topic + ".dlq", "fuzz-" + unique_topic
    stream = _fuzz_stream(seed=20261102, n=1500, now_ms=int(time.time() * 1000))
    positions = _produce(services.kafka_bootstrap, views, [m for m, _ in stream])
    label = dict(zip(positions, (lbl for _, lbl in stream), strict=True))
    loop, producer = _loop(client, services.kafka_bootstrap, group, views, dlq, batch=97)
    ends = end_offsets(services.kafka_bootstrap, [views])
    stop_event = threading.Event()
    thread, errors = _run_in_thread(loop, stop_event)
    try:
        wait_moving(
            lambda: loop.caught_up(ends) or bool(errors) or not thread.is_alive(),
            lambda: loop.stats.valid + loop.stats.invalid,
            "the fuzz stream",
        )
    finally:
        stop_event.set()
        thread.join(30)
        producer.close()
    assert not errors, errors

    dead = _letter_positions(_read_topic(services.kafka_bootstrap, dlq))
    valid = {p for p, lbl in label.items() if lbl == VALID}
    invalid = {p for p, lbl in label.items() if lbl == INVALID}
    either = {p for p, lbl in label.items() if lbl == EITHER}
    assert invalid <= dead, [stream[positions.index(p)][0][:80] for p in sorted(invalid - dead)]
    assert not (valid & dead), [stream[positions.index(p)][0][:80] for p in sorted(valid & dead)]
    assert dead <= invalid | either
    totals = client.read("db/read_totals")[0]
    landed = len(valid) + len(either - dead)
    assert totals["events"] == totals["bucket_events"] == loop.stats.fresh == landed
    assert totals["events"] + len(dead) == len(stream)
    assert loop.stats.valid + loop.stats.invalid == len(stream)


# --- 4. several workers in one group (``ingest --workers N``) -----------------------------------


def _children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            out.append(int(stat.parent.name))
    return out


def test_workers_share_one_group_a_killed_worker_restarts_and_nothing_doubles(
    client, services, unique_topic, tmp_path
):
    from ingest.topics import ensure_topics

    views, group = unique_topic, "workers-" + unique_topic
    ensure_topics(services.kafka_bootstrap, {views: 4})
    msgs, n_bad = sample_stream(n_devices=200, per_device=30)
    unique_valid = len(set(msgs)) - n_bad
    _produce(services.kafka_bootstrap, views, msgs)
    ends = end_offsets(services.kafka_bootstrap, [views])
    env = _ingester_env(services, views, views + ".dlq", group)
    out = tmp_path / "workers.log"
    parent = _spawn_ingest(env, out, "--workers", "2")
    try:
        _wait(lambda: len(_children(parent.pid)) == 2, 30, "two workers")

        def some_batches() -> bool:
            assert parent.poll() is None, out.read_text()[-3000:]
            return _group_stats(client, group).get("batches", 0) >= 3

        _wait(some_batches, 60, "the first batches", interval=0.05)
        victim = _children(parent.pid)[0]
        os.kill(victim, signal.SIGKILL)
        _wait(
            lambda: victim not in _children(parent.pid) and len(_children(parent.pid)) == 2, 30, "a restart"
        )
        wait_moving(
            lambda: _caught_up(client, group, ends),
            lambda: _stored_total(client, group),
            "the workers to catch up",
        )
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(60) == 0, out.read_text()[-3000:]
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
    text = out.read_text()
    assert "stopped 2 workers (1 restarts" in text, text[-3000:]
    assert _children(parent.pid) == []
    totals = client.read("db/read_totals")[0]
    assert totals["events"] == totals["bucket_events"] == totals["day_events"] == unique_valid
    stats = _group_stats(client, group)
    assert stats["fresh"] == unique_valid and stats["invalid"] == n_bad
