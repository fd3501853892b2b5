"""Ingest against the real Neo4j and Kafka: idempotent, loss-free, private."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter

import pytest
from kafka import KafkaProducer

from graph.admin import migrate
from graph.client import GraphClient
from graph.jobs.reads import presence_rows, watch_rows
from graph.privacy import scan
from graph.vocabulary import HOUR_MS
from ingest.batch import SourceRecord, prepare
from ingest.contract import parse_view
from ingest.deadletters import KafkaDeadLetters
from ingest.errors import InvalidRecord
from ingest.kafka_source import IngestLoop, make_consumer
from ingest.pseudonym import Pseudonymizer
from ingest.rows import event_identity, network_of
from ingest.sink import write_batch
from tests.integration.eventdata import catalog, sample_stream
from tests.integration.waits import read_topic, wait_moving

PSEUDO = Pseudonymizer("integration-secret")


@pytest.fixture
def client(neo4j_driver, services, clean_db) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    migrate(c)
    return c


def _records(msgs: list[bytes], topic: str = "file", kind: str = "view") -> list[SourceRecord]:
    return [SourceRecord(kind, m, topic, 0, i) for i, m in enumerate(msgs)]


def _ingest(client: GraphClient, msgs: list[bytes], chunk: int = 97) -> int:
    now = int(time.time() * 1000)
    recs = _records(msgs)
    fresh = 0
    for start in range(0, len(recs), chunk):
        fresh += write_batch(client, prepare(recs[start : start + chunk], PSEUDO, now), "test", now).fresh
    return fresh


def test_replaying_everything_changes_no_count(client):
    msgs, _n_bad = sample_stream()
    fresh = _ingest(client, msgs)
    totals = client.read("db/read_totals")[0]
    assert totals["events"] == fresh == totals["bucket_events"]
    assert totals["devices"] == 20 and totals["views"] > 0 and totals["impressions"] > 0
    assert totals["day_events"] == fresh and totals["day_seconds"] == pytest.approx(totals["seconds"])
    # the same events again, in other batch boundaries and reversed order
    assert _ingest(client, list(reversed(msgs)), chunk=250) == 0
    assert client.read("db/read_totals")[0] == totals


def test_jobs_read_the_hour_buckets_and_watch_totals_the_events_make(client):
    """Presence is stored per device, network and day; the jobs still read one row per hour bucket
    with its event count, and what each device watched of each content, as the events say."""
    msgs, _ = sample_stream()
    _ingest(client, msgs)
    _ingest(client, list(reversed(msgs)), chunk=250)  # a replay changes nothing the jobs read
    now = int(time.time() * 1000)
    seen: set[int] = set()
    hours: Counter = Counter()
    views: Counter = Counter()
    for m in msgs:
        try:
            ev = parse_view(m, now)
        except InvalidRecord:
            continue
        if (eid := event_identity(ev, PSEUDO)) in seen:
            continue
        seen.add(eid)
        device = PSEUDO.mac(ev.mac)
        hours[(device, network_of(ev, PSEUDO)[0], ev.ts_ms - ev.ts_ms % HOUR_MS)] += 1
        if ev.event == "view":
            views[(device, ev.content_id)] += 1
    got = {(r["device"], r["network"], r["hour"]): r["events"] for r in presence_rows(client)}
    assert got == dict(hours)
    distinct = sorted({h for _, _, h in hours})
    cut = distinct[len(distinct) // 2]
    later = {(r["device"], r["network"], r["hour"]) for r in presence_rows(client, since=cut)}
    assert later == {k for k in hours if k[2] >= cut} and 0 < len(later) < len(hours)
    watched = {(r["device"], r["content_id"]): r["views"] for r in watch_rows(client) if r["views"]}
    assert watched == dict(views)


def test_valid_events_all_land_and_duplicates_count_once(client):
    msgs, n_bad = sample_stream()
    unique_valid = len({m for m in msgs}) - n_bad
    assert _ingest(client, msgs) == unique_valid


def test_catalog_arriving_after_views_describes_the_content(client):
    import json

    msgs, _ = sample_stream(n_devices=3)
    _ingest(client, msgs)
    referenced = set()
    for m in msgs:
        try:
            ev = json.loads(m)
        except ValueError:
            continue
        if (
            isinstance(ev, dict)
            and ev.get("event") in ("view", "bookmark")
            and ev["content_id"].startswith("show-")
        ):
            referenced.add(ev["content_id"])  # views and bookmarks of valid events create Content
    assert client.read("ingest/read_content_coverage")[0] == {"contents": len(referenced), "described": 0}
    now = int(time.time() * 1000)
    write_batch(client, prepare(_records(catalog(), kind="content"), PSEUDO, now), "test", now)
    catalogued = {f"show-{i}" for i in range(11)}
    assert client.read("ingest/read_content_coverage")[0] == {
        "contents": len(referenced | catalogued),
        "described": 11,
    }


def test_no_raw_mac_or_ip_anywhere_in_the_graph(client):
    msgs, _ = sample_stream()
    _ingest(client, msgs)
    assert scan(client) == []


def _produce(bootstrap: str, topic: str, msgs: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i, m in enumerate(msgs):
        producer.send(topic, key=str(i % 8).encode(), value=m)
    producer.flush()
    producer.close()


def _run_until(loop: IngestLoop, done) -> None:
    stop = threading.Event()
    t = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    t.start()
    try:
        wait_moving(done, lambda: loop.stats.valid + loop.stats.invalid, f"ingest to finish ({loop.stats})")
    finally:
        stop.set()
        t.join(30)


def _loop(client, bootstrap, group, views, content, dlq) -> tuple[IngestLoop, KafkaProducer]:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    consumer = make_consumer(bootstrap, group, 500)
    return IngestLoop(
        consumer,
        client,
        KafkaDeadLetters(producer, dlq),
        PSEUDO,
        group,
        views,
        content,
        poll_timeout_ms=200,
        max_records=500,
    ), producer


def test_one_poll_fills_a_batch_from_an_uncompressed_partition(kafka_bootstrap, unique_topic):
    """Issue #18: fetches are capped in stored bytes; a fixed 1 MiB per partition gave batches of
    ~4,000 view lines of an uncompressed topic where 10,000 were asked for."""
    line = (
        b'{"ts":1790812902677,"ip":"2a02:8070:b4e2:8ff0:6df8:8f9b:5bd9:37a6","mac":"9C-E0-63-F3-8C-03",'
        b'"event":"view","content_id":"ep-0128-s01e10","device_type":"phone","duration_s":2689.1,"source":"web"}'
    )
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", linger_ms=20, batch_size=1 << 20)
    for _ in range(12_000):
        producer.send(unique_topic, key=b"one-device", value=line)  # one partition
    producer.flush()
    producer.close()
    consumer = make_consumer(kafka_bootstrap, "g-" + unique_topic, 10_000)
    consumer.subscribe([unique_topic])
    try:
        deadline = time.monotonic() + 60
        polled: dict = {}
        while not polled and time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=500, max_records=10_000)
        assert sum(len(msgs) for msgs in polled.values()) == 10_000
    finally:
        consumer.close(autocommit=False)


def test_kafka_stream_lands_with_dead_letters_and_replay_is_a_no_op(client, kafka_bootstrap, unique_topic):
    views, content, dlq = unique_topic, unique_topic + ".content", unique_topic + ".dlq"
    msgs, n_bad = sample_stream()
    _produce(kafka_bootstrap, views, msgs)
    _produce(kafka_bootstrap, content, catalog())
    loop, producer = _loop(client, kafka_bootstrap, "g1-" + views, views, content, dlq)
    _run_until(loop, lambda: loop.stats.valid + loop.stats.invalid >= len(msgs) + 11)
    producer.close()
    assert loop.stats.invalid == n_bad
    totals = client.read("db/read_totals")[0]

    # dead letters carry the original bytes, the reason and the source position
    letters = read_topic(kafka_bootstrap, dlq, n_bad)
    assert len(letters) == n_bad
    assert all(dict(m.headers)["source_topic"] == views.encode() for m in letters)
    whole = {m.value for m in letters if "truncated" not in dict(m.headers)}
    assert whole <= set(msgs)
    # an oversize record is cut to 64 KiB, its size and digest kept: it is still the original
    by_digest = {hashlib.sha256(m).hexdigest().encode(): m for m in msgs}
    for cut in (m for m in letters if "truncated" in dict(m.headers)):
        h = dict(cut.headers)
        original = by_digest[h["original_sha256"]]
        assert len(cut.value) == 64 * 1024 < len(original) == int(h["original_size"])
        assert original.startswith(cut.value) and h["reason"] == b"too_large"

    # a second group replays the whole topic from offset 0: nothing changes
    loop2, producer2 = _loop(client, kafka_bootstrap, "g2-" + views, views, content, dlq + "2")
    _run_until(loop2, lambda: loop2.stats.valid + loop2.stats.invalid >= len(msgs) + 11)
    producer2.close()
    assert loop2.stats.fresh == 0
    assert client.read("db/read_totals")[0] == totals
