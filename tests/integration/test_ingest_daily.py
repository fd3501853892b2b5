"""The per-device-day aggregate and the per-day ad exposures against a brute-force count of the events."""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict

import pytest

from graph.admin import migrate
from graph.client import GraphClient
from graph.vocabulary import DAY_MS, HOUR_MS
from ingest.batch import SourceRecord, prepare
from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer
from ingest.rows import event_identity
from ingest.sink import write_batch
from tests.integration.eventdata import sample_stream

PSEUDO = Pseudonymizer("integration-secret")
BASE_MS = 1_793_000_000_000


@pytest.fixture
def client(neo4j_driver, services, clean_db) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    migrate(c)
    return c


def _catalog() -> list[dict]:
    rows = [
        {"content_id": f"show-{i}", "kind": "series_episode", "series_id": f"ser-{i % 3}",
         "genres": ["kids"] if i % 3 == 0 else ["news", "sports"], "age_rating": 6 * (i % 4)}
        for i in range(10)
    ]  # fmt: skip
    rows.append({"content_id": "show-10", "kind": "movie", "genres": ["romance"], "age_rating": 12})
    return rows  # show-11 stays undescribed


def _ingest(client, recs: list[SourceRecord], chunk: int) -> None:
    now = int(time.time() * 1000)
    for start in range(0, len(recs), chunk):
        write_batch(client, prepare(recs[start : start + chunk], PSEUDO, now), "test", now)


def _expected(msgs: list[bytes]) -> dict[tuple[str, int], dict]:
    meta = {c["content_id"]: c for c in _catalog()}
    seen: set[int] = set()
    out: dict[tuple[str, int], dict] = defaultdict(
        lambda: {"n": Counter(), "secs": 0.0, "hours": [0] * 24, "series": Counter(), "genres": Counter(),
                 "kids": 0.0, "movie": 0.0, "age": None, "contents": set(), "watched": Counter(),
                 "watched_secs": Counter()}
    )  # fmt: skip
    now = int(time.time() * 1000)
    for m in msgs:
        try:
            ev = parse_view(m, now)
        except InvalidRecord:
            continue
        eid = event_identity(ev, PSEUDO)
        if eid in seen:
            continue
        seen.add(eid)
        day = ev.ts_ms - ev.ts_ms % DAY_MS
        x = out[(PSEUDO.mac(ev.mac), day)]
        x["n"][ev.event] += 1
        x["hours"][(ev.ts_ms - day) // HOUR_MS] += 1
        if ev.event in ("view", "bookmark"):
            x["contents"].add(ev.content_id)
        if ev.event == "view":
            secs = ev.duration_s or 0.0
            x["secs"] += secs
            x["watched"][ev.content_id] += 1
            x["watched_secs"][ev.content_id] += secs
            c = meta.get(ev.content_id)
            if c:
                if c.get("series_id"):
                    x["series"][c["series_id"]] += 1
                if c["kind"] == "movie":
                    x["movie"] += secs
                for g in c["genres"]:
                    x["genres"][g] += secs
                if "kids" in c["genres"]:
                    x["kids"] += secs
                x["age"] = max(x["age"] if x["age"] is not None else -1, c["age_rating"])
    return out


def test_device_days_equal_a_brute_force_count_and_survive_replay(client):
    msgs, _ = sample_stream(n_devices=12, per_device=60, seed=11)
    movie = {"ts": BASE_MS + 5_000, "ip": "81.9.9.9", "mac": "3c:22:fb:aa:00:01", "content_id": "show-10"}
    msgs.append(json.dumps({**movie, "duration_s": 5400}).encode())
    random.Random(3).shuffle(msgs)
    catalog = [
        SourceRecord("content", json.dumps(c).encode(), "content", 0, i) for i, c in enumerate(_catalog())
    ]
    views = [SourceRecord("view", m, "file", 0, i) for i, m in enumerate(msgs)]
    _ingest(client, catalog, 100)
    _ingest(client, views, 83)
    _ingest(client, list(reversed(views)), 211)  # a replay in other batch boundaries adds nothing
    want = _expected(msgs)
    got = {(r["row"]["device"], r["row"]["day"]): r["row"] for r in client.read("db/read_device_days")}
    assert set(got) == set(want)
    for k, w in want.items():
        g = got[k]
        assert {e: g[e + "s" if e != "search" else "searches"] for e in w["n"]} == dict(w["n"])
        assert sum(g["hour_events"]) == sum(w["n"].values()) and g["hour_events"] == w["hours"]
        assert g["seconds"] == pytest.approx(w["secs"])
        assert dict(zip(g["series_ids"], g["series_views"])) == dict(w["series"])
        assert dict(zip(g["genres"], g["genre_seconds"])) == pytest.approx(dict(w["genres"]))
        assert g["kids_seconds"] == pytest.approx(w["kids"]) and g["movie_seconds"] == pytest.approx(
            w["movie"]
        )
        assert g.get("max_age") == w["age"] and set(g["contents"]) == w["contents"]
        views = {c: n for c, n in zip(g["contents"], g["content_views"]) if n}
        assert views == dict(w["watched"])  # what the device watched of each content, per day
        assert dict(zip(g["contents"], g["content_seconds"])) == pytest.approx(
            {c: w["watched_secs"][c] for c in g["contents"]}
        )
        assert g["linked"] == 1


def test_resent_ad_copies_count_once_across_batches(client):
    base = {"ip": "81.2.69.160", "mac": "a4:5e:60:0f:12:9c", "event": "impression", "ad_id": "ad-1",
            "campaign_id": "cmp-1", "source": "app"}  # fmt: skip
    evs = [
        {**base, "ts": BASE_MS, "event_id": "a"},
        {**base, "ts": BASE_MS + 1500, "event_id": "b"},  # a copy under another id
        {**base, "ts": BASE_MS + 1500, "event_id": "b"},  # the same copy redelivered
        {**base, "ts": BASE_MS + 9000, "event_id": "c"},  # a new impression
        {**base, "ts": BASE_MS + 9000 + 800},  # a copy without an id
        {**base, "ts": BASE_MS + 3000, "event": "click", "event_id": "k"},
        {**base, "ts": BASE_MS + 3100, "event": "click", "source": "web"},  # another source: its own
    ]
    recs = [SourceRecord("view", json.dumps(e).encode(), "file", 0, i) for i, e in enumerate(evs)]
    for one in recs:  # every event in a batch of its own: the copies are found in the graph
        _ingest(client, [one], 1)
    rows = client.read("db/read_exposures")
    by_source = {r["source"]: r for r in rows}
    app = by_source["app"]
    assert (app["impressions"], app["clicks"], app["duplicates"]) == (2, 1, 2)
    assert (by_source["web"]["clicks"], by_source["web"]["duplicates"]) == (1, 0)
    _ingest(client, recs, 7)  # all in one batch again: a replay
    assert client.read("db/read_exposures") == rows


def test_campaign_records_from_a_compacted_topic_land_and_bad_ones_are_dead_letters(
    client, kafka_bootstrap, unique_topic
):
    import threading

    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    from ingest.deadletters import KafkaDeadLetters
    from ingest.kafka_source import IngestLoop, make_consumer
    from ingest.topics import ensure_topics

    views, content, campaigns = unique_topic, unique_topic + ".content", unique_topic + ".campaigns"
    ensure_topics(
        kafka_bootstrap,
        {views: 1, content: 1, campaigns: 1},
        configs={campaigns: {"cleanup.policy": "compact"}},
    )
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, campaigns)])
    finally:
        admin.close()
    assert described["topic"][campaigns]["cleanup.policy"]["value"] == "compact"
    plan = {"campaign_id": "cmp-9", "start": "2026-10-01T00:00:00Z", "end": "2026-12-01T00:00:00Z",
            "budget": 100, "cost_model": "cpc", "rate": 2}  # fmt: skip
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for rec in (
        plan,
        {**plan, "budget": 300},
        {**plan, "campaign_id": "cmp-x", "end": "2026-09-01T00:00:00Z"},
    ):
        producer.send(campaigns, key=rec["campaign_id"].encode(), value=json.dumps(rec).encode())
    click = {"ts": BASE_MS, "ip": "81.2.69.160", "mac": "a4:5e:60:0f:12:9c", "event": "click",
             "ad_id": "ad-9", "campaign_id": "cmp-9", "source": "app"}  # fmt: skip
    producer.send(views, value=json.dumps(click).encode())
    producer.flush()
    probe = KafkaConsumer(bootstrap_servers=kafka_bootstrap)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
        probe.partitions_for_topic(x) for x in (views, content, campaigns)
    ):
        probe.topics()  # refreshes the metadata: the new topics must be known before the group assigns them
        time.sleep(0.5)
    probe.close()
    loop = IngestLoop(
        make_consumer(kafka_bootstrap, "g-" + campaigns, 500),
        client,
        KafkaDeadLetters(producer, unique_topic + ".dlq"),
        PSEUDO,
        "g-" + campaigns,
        views,
        content,
        poll_timeout_ms=200,
        campaigns_topic=campaigns,
    )
    stop = threading.Event()
    t = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    t.start()
    deadline = time.monotonic() + 90
    while loop.stats.valid + loop.stats.invalid < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    t.join(30)
    producer.close()
    assert (loop.stats.valid, loop.stats.invalid) == (3, 1)
    from graph.jobs.campaigns import read_campaign_reports

    [report] = read_campaign_reports(client)
    assert (report["campaign_id"], report["budget"], report["clicks"], report["spend"]) == (
        "cmp-9",
        300.0,
        1,
        2.0,
    )
    dead = {r["reason"]: r["count"] for r in client.read("ingest/read_stats")[0]["dead_letters"]}
    assert dead == {"bad_flight": 1}
