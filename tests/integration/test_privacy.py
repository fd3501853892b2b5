"""Privacy against the real Neo4j and Kafka: a dead-letter send that fails holds the batch until the
letters are stored; an erased device leaves no trace and does not come back when its events are replayed."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator

import pytest
import streamlit as st
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from graph.admin import migrate
from graph.client import GraphClient
from graph.privacy import erasure_digest
from ingest.deadletters import KafkaDeadLetters
from ingest.kafka_source import IngestLoop, end_offsets, make_consumer
from ingest.pseudonym import Pseudonymizer
from ingest.suppression import SuppressionList, read_suppressed
from tests.integration.dash_fixture import SECRET, RealWorld, app_env, graph_facts, load_real_world
from tests.integration.waits import read_topic

APP = os.path.join(os.path.dirname(__file__), "..", "..", "dashboards", "app.py")
PSEUDO = Pseudonymizer("integration-secret")


def _produce(bootstrap: str, topic: str, msgs: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for i, m in enumerate(msgs):
        producer.send(topic, key=str(i % 4).encode(), value=m)
    producer.flush()
    producer.close()


def _start(loop: IngestLoop) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    t = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    t.start()
    return stop, t


def _wait(cond, timeout: float = 90.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.2)
    return cond()


def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return c.committed(TopicPartition(topic, 0))
    finally:
        c.close()


def test_a_dead_letter_send_that_fails_holds_the_batch_until_the_letters_are_stored(
    neo4j_driver, services, clean_db, kafka_bootstrap, unique_topic
):
    client = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    migrate(client)
    views, content, dlq = unique_topic, unique_topic + ".content", unique_topic + ".dlq"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    # the dead-letter topic refuses anything over 200 bytes: every letter below is bigger
    admin.create_topics(
        [
            NewTopic(views, 1, 1),
            NewTopic(content, 1, 1),
            NewTopic(dlq, 1, 1, topic_configs={"max.message.bytes": "200"}),
        ]
    )
    good = [
        json.dumps(
            {
                "ts": int(time.time() * 1000) - 60_000 * i,
                "ip": "81.2.69.160",
                "mac": f"a4:5e:60:0f:12:{i:02x}",
                "content_id": "c1",
            }
        ).encode()
        for i in range(1, 6)
    ]
    bad = [b"not json " + bytes([65 + i]) * 400 for i in range(4)]
    _produce(kafka_bootstrap, views, good + bad)
    group = "g-" + views
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", retries=0)
    loop = IngestLoop(
        make_consumer(kafka_bootstrap, group, 500),
        client,
        KafkaDeadLetters(producer, dlq, timeout_s=10),
        PSEUDO,
        group,
        views,
        content,
        poll_timeout_ms=200,
        max_records=500,
    )
    stop, thread = _start(loop)
    try:
        assert _wait(lambda: loop.stats.retries >= 2, 60), loop.stats
        # refused: nothing of the batch is committed, neither in Neo4j nor in Kafka, nothing written
        assert loop.stats.batches == 0
        assert client.read("ingest/read_offsets", group=group) == []
        assert graph_facts(client, "MATCH (d:Device) RETURN count(d) AS n")[0]["n"] == 0
        assert _committed(kafka_bootstrap, group, views) is None
        # the topic is fixed: the same batch goes through, letters and all
        admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, dlq, configs={"max.message.bytes": "1048576"})]
        )
        assert _wait(lambda: loop.stats.batches >= 1, 90), loop.stats
    finally:
        stop.set()
        thread.join(30)
        producer.close()
        admin.close()
    assert loop.stats.invalid == len(bad) and loop.stats.valid == len(good)
    assert graph_facts(client, "MATCH (d:Device) RETURN count(d) AS n")[0]["n"] == len(good)
    letters = read_topic(kafka_bootstrap, dlq, len(bad))
    assert sorted(m.value for m in letters) == sorted(bad)  # every one stored, none lost
    assert {dict(m.headers)["reason"] for m in letters} == {b"not_json"}


# --- erasure ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(neo4j_driver, services, tmp_path_factory) -> Iterator[tuple[RealWorld, GraphClient]]:
    client = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    w = load_real_world(client, tmp_path_factory.mktemp("erase-world"), reuse=False)
    env = app_env(services)
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        for k in ("HAUSGRAPH_DASHBOARD_PASSWORD", "HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD"):
            mp.delenv(k, raising=False)
        st.config.set_option("server.address", "127.0.0.1")
        st.cache_resource.clear()
        st.cache_data.clear()
        yield w, client
        st.cache_resource.clear()
        st.cache_data.clear()


def _cli(*args: str):
    from hausgraph.cli import app
    from hausgraph.cli.common import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result


def _mentions(client: GraphClient, key: str) -> list[str]:
    """Every node or relationship whose properties mention ``key`` anywhere (lists and JSON included)."""
    found = []
    for what in (
        "MATCH (n) RETURN labels(n) AS kind, properties(n) AS p",
        "MATCH ()-[r]->() WHERE type(r) <> 'SEEN_ON' RETURN type(r) AS kind, properties(r) AS p",
    ):
        for row in graph_facts(client, what):
            if key in json.dumps(row["p"], default=str):
                found.append(str(row["kind"]))
    return found


def _page_text(at: AppTest) -> str:
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader", "metric")
        for e in getattr(at, kind)
    ]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def test_an_erased_device_leaves_no_trace_and_stays_erased_on_replay(
    world, kafka_bootstrap, unique_topic, tmp_path
):
    w, client = world
    # a device that is a household member and, if any is, a visitor named in a social link's evidence
    visitors = [
        v
        for r in graph_facts(client, "MATCH ()-[s:SOCIAL_LINK]->() RETURN s.evidence AS e")
        for v in json.loads(r["e"]).get("visiting_devices", [])
    ]
    members = graph_facts(
        client, "MATCH (d:Device)-[:MEMBER_OF]->(h:Household) RETURN d.key AS key, h.id AS household"
    )
    home = {r["key"]: r["household"] for r in members}
    key = next((v for v in visitors if v in home), members[0]["key"])
    household = home[key]
    mac = w.mac_of(key)
    pseudo = Pseudonymizer(SECRET)
    lines = [
        ln
        for ln in (w.out / "events.jsonl").read_bytes().splitlines()
        if ln.strip() and _mac_of_line(ln) and pseudo.mac(_mac_of_line(ln)) == key
    ]
    assert lines and _mentions(client, key)  # it is there before

    out = _cli("erase", "--mac", mac.upper().replace(":", "-")).output
    assert "erased 1 of 1 devices" in out and mac not in out
    assert _mentions(client, key) == []
    erased = graph_facts(client, "MATCH (e:ErasedDevice) RETURN e.digest AS d")
    assert [r["d"] for r in erased] == [erasure_digest(key)]  # the list holds a digest, not the key
    # its household was clustered again without it (or retired), and still exists if others remain
    assert key not in [
        r["key"] for r in graph_facts(client, "MATCH (d:Device)-[:MEMBER_OF]->() RETURN d.key AS key")
    ]

    # replay: its events from a file (the CLI) and through Kafka (a running ingester)
    replay = tmp_path / "replay.jsonl"
    replay.write_bytes(b"\n".join(lines) + b"\n")
    _cli("ingest", "--from-file", str(replay), "--dead-letters", str(tmp_path / "dl.jsonl"))
    _produce(kafka_bootstrap, unique_topic, lines)
    group = "g-" + unique_topic
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    loop = IngestLoop(
        make_consumer(kafka_bootstrap, group, 500),
        client,
        KafkaDeadLetters(producer, unique_topic + ".dlq"),
        pseudo,
        group,
        unique_topic,
        unique_topic + ".content",
        poll_timeout_ms=200,
        max_records=500,
        suppressed=SuppressionList(lambda: read_suppressed(client), refresh_s=1),
    )
    stop, thread = _start(loop)
    try:
        ends = end_offsets(kafka_bootstrap, [unique_topic])
        assert sum(ends.values()) == len(lines)
        assert _wait(lambda: loop.caught_up(ends)), loop.stats
    finally:
        stop.set()
        thread.join(30)
        producer.close()
    assert _mentions(client, key) == []
    assert graph_facts(client, "MATCH (d:Device {key: $k}) RETURN count(d) AS n", k=key)[0]["n"] == 0
    erased_count = graph_facts(
        client, "MATCH (x:DeadLetterCount {reason: 'erased'}) RETURN sum(x.count) AS n"
    )[0]["n"]
    assert erased_count == 2 * len(lines)  # counted (file + Kafka), not stored
    assert not (tmp_path / "dl.jsonl").exists() or mac not in (tmp_path / "dl.jsonl").read_text().lower()

    # exports
    _cli("export", "households", "--out", str(tmp_path / "households.csv"))
    _cli("export", "links", "--out", str(tmp_path / "links.csv"))
    for name in ("households.csv", "links.csv"):
        assert key not in (tmp_path / name).read_text()

    # pages: the analyst's look-up by MAC finds nothing; its former household's page does not list it
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("screens/household.py").run()
    at.radio(key="find_by").set_value("MAC address").run()
    at.text_input(key="find_value").input(mac)
    at.button[0].click().run()
    assert "No household found." in _page_text(at)
    for page in ("overview", "social", "audiences", "household"):
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        if page != "overview":
            at.switch_page(f"screens/{page}.py").run()
        if (
            page == "household"
            and graph_facts(client, "MATCH (h:Household {id: $h}) RETURN count(h) AS n", h=household)[0]["n"]
        ):
            at.text_input(key="find_value").input(household)
            at.button[0].click().run()
            assert f"Household {household}" in _page_text(at)
        assert not at.exception, [e.value for e in at.exception]
        assert key not in _page_text(at) and key[:8] not in _page_text(at), page


def _mac_of_line(line: bytes) -> str | None:
    from ingest.contract import normalize_mac

    try:
        return normalize_mac(json.loads(line)["mac"])
    except Exception:  # the world's dirty lines
        return None


# --- retention ----------------------------------------------------------------------------------


def test_retention_deletes_old_evidence_and_devices_seen_only_before(
    neo4j_driver, services, clean_db, monkeypatch, tmp_path
):
    client = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    migrate(client)
    now = int(time.time() * 1000)
    day = 86_400_000
    events = [  # an old device, a device with old and recent events, a recent device
        {"ts": now - 200 * day, "mac": "a4:5e:60:0f:12:01", "content_id": "old"},
        {"ts": now - 200 * day, "mac": "a4:5e:60:0f:12:02", "content_id": "old"},
        {"ts": now - 2 * day, "mac": "a4:5e:60:0f:12:02", "content_id": "new"},
        {
            "ts": now - 1 * day,
            "mac": "a4:5e:60:0f:12:03",
            "content_id": "new",
            "event": "impression",
            "campaign_id": "k1",
            "ad_id": "a1",
        },
        {
            "ts": now - 190 * day,
            "mac": "a4:5e:60:0f:12:03",
            "event": "impression",
            "campaign_id": "k0",
            "ad_id": "a0",
        },
    ]
    src = tmp_path / "events.jsonl"
    src.write_text("\n".join(json.dumps({"ip": "81.2.69.160", **e}) for e in events) + "\n")
    for k, v in app_env(services).items():
        monkeypatch.setenv(k, v)
    _cli("ingest", "--from-file", str(src), "--dead-letters", str(tmp_path / "dl.jsonl"))
    pseudo = Pseudonymizer(SECRET)
    old, mixed, recent = (pseudo.mac(f"a4:5e:60:0f:12:0{i}") for i in (1, 2, 3))
    q = lambda text, **p: graph_facts(client, text, **p)
    assert q("MATCH (d:Device) RETURN count(d) AS n")[0]["n"] == 3

    counts = json.loads(_cli("retention", "apply", "--days", "180").stdout.strip().splitlines()[-1])
    assert counts["days"] == 180 and counts["devices"] == 1 and counts["presence"] == 3
    assert counts["watched"] == 0 and counts["exposures"] == 1  # what a device watched is kept per day
    assert counts["device_days"] == 3
    left = [r["k"] for r in q("MATCH (d:Device) RETURN d.key AS k")]
    assert sorted(left) == sorted([mixed, recent]) and old not in left
    cutoff = now - 180 * day
    for rel in ("SEEN_ON", "EXPOSED_ON"):
        stale = q(
            "MATCH ()-[r]->() WHERE type(r) = $rel AND r.last < $c RETURN count(r) AS n", rel=rel, c=cutoff
        )
        stale = stale[0]["n"]
        assert stale == 0, rel
    watched = "MATCH (:Device {key: $k})-[:ACTIVE_ON]->(x) UNWIND x.contents AS c RETURN c"
    assert q(watched, k=mixed) == [{"c": "new"}]
    assert q("MATCH (:Device {key: $k})-[x:EXPOSED_ON]->(c) RETURN c.id AS c", k=recent) == [{"c": "k1"}]
    runs = q("MATCH (r:JobRun {job: 'retention'}) RETURN r.status AS s")
    assert runs == [{"s": "succeeded"}]


def test_managed_topics_are_created_with_retention(kafka_bootstrap, unique_topic):
    from hausgraph.runtime import topic_configs, topic_partitions
    from hausgraph.settings import Settings
    from ingest.topics import ensure_topics

    s = Settings(
        topic_views=unique_topic,
        topic_dlq=unique_topic + ".dlq",
        topic_content=unique_topic + ".c",
        topic_campaigns=unique_topic + ".k",
        retention_days=30,
    )
    ensure_topics(kafka_bootstrap, topic_partitions(s), configs=topic_configs(s))
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        res = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t) for t in (s.topic_views, s.topic_dlq)]
        )
    finally:
        admin.close()
    found = res["topic"]  # {resource_type: {topic: {key: {value, ...}}}}
    value = lambda topic: found[topic]["retention.ms"]["value"]
    assert value(s.topic_views) == str(30 * 86_400_000)
    assert value(s.topic_dlq) == str(7 * 86_400_000)
