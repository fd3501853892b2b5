"""The service's feeds: ``views``/``content``/``campaigns`` from Kafka, the device map and spend from Neo4j.

On start the views partitions are sought by timestamp to the start of the longest cap window
(``offsets_for_times``), so a restarted instance rebuilds exactly the state it needs; duplicates
re-read count once (event identity). Content and campaigns are read from the beginning (compacted).
When Kafka or Neo4j are down the loops back off and the service keeps answering on what it has.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import logging
import threading
import time
from pathlib import Path

import orjson
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError

from graph.client import GraphClient
from hausgraph.api.service import ActivationService, DeviceMap
from ingest.campaigns import parse_campaign
from ingest.contract import parse_content, parse_view
from ingest.errors import InvalidRecord

__all__ = [
    "GraphFeed",
    "KafkaFeed",
    "load_campaign_file",
    "load_households_file",
    "open_consumer",
    "retry_forever",
    "seek_to_window",
]

log = logging.getLogger(__name__)

#: views produced this long before the window starts are re-read too (producer/broker clock skew)
_SLACK_MS = 60_000
#: a partition no consumer holds: "not ready yet"
_NEVER = TopicPartition("", -1)
#: records applied per lock hold, so a backlog never holds decisions up for long
_CHUNK = 500
#: the feed checks the brokers (lag, commit) this often, each call bounded by _TIMEOUT_MS
_CHECK_S = 2.0
_TIMEOUT_MS = 3_000


def open_consumer(bootstrap: str, group: str, **options) -> KafkaConsumer:
    """A consumer of the service's: manually assigned, offsets committed only for lag tools."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id=f"{group}-feed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **options,
    )


def seek_to_window(c: KafkaConsumer, parts: list[TopicPartition], service: ActivationService) -> None:
    """Seek ``parts`` (assigned) by timestamp to the start of the state's longest window (with slack);
    a partition with nothing that recent starts at its end."""
    since = service.now_ms() - service.retained_ms() - _SLACK_MS
    found = c.offsets_for_times(dict.fromkeys(parts, since)) if parts else {}
    for tp in parts:
        hit = found.get(tp)
        if hit is None:
            c.seek_to_end(tp)
        else:
            c.seek(tp, hit.offset)


def retry_forever(stop: threading.Event, step, reset, what: str) -> None:
    """Call ``step`` until ``stop``; on any failure (Kafka down, or a bug) ``reset``, back off and retry,
    while decisions go on on the state there is. ``reset`` also runs once at the end."""
    delay = 0.5
    while not stop.is_set():
        try:
            step()
            delay = 0.5
        except Exception as err:  # noqa: BLE001 — back off, keep serving the state
            log.warning("%s error=%s detail=%s retry_s=%.1f", what, type(err).__name__, err, delay)
            reset(err)
            stop.wait(delay)
            delay = min(delay * 2, 10)
    reset(None)


def load_campaign_file(service: ActivationService, path: Path) -> tuple[int, int]:
    """Campaign records from a JSON Lines file; returns (valid, invalid)."""
    ok = bad = 0
    for n, line in enumerate(path.read_bytes().splitlines(), 1):
        if not line.strip():
            continue
        try:
            service.put_campaign(parse_campaign(line))
            ok += 1
        except InvalidRecord as err:
            bad += 1
            log.warning("campaign rejected file=%s line=%d reason=%s", path.name, n, err.reason)
    return ok, bad


def load_households_file(service: ActivationService, path: Path) -> int:
    """The device map from a household export (``device_key,household_id,confidence``); returns devices."""
    with path.open(newline="") as fh:
        rows = [
            {"device_key": r["device_key"], "household_id": r["household_id"]} for r in csv.DictReader(fh)
        ]
    service.put_devices(DeviceMap.from_rows(rows, run_ms=0))
    service.feed["device_map_at"] = time.time()
    return len(rows)


class KafkaFeed:
    """One consumer over every partition of the three topics, in the service's own group."""

    def __init__(
        self,
        service: ActivationService,
        bootstrap: str,
        group: str,
        views: str,
        content: str,
        campaigns: str | None,
        exposures: str | None = None,
        owned: list[int] | None = None,
    ) -> None:
        """With ``exposures`` and ``owned`` (scale-out), the state comes from those partitions of the
        household-keyed exposures topic instead of from every partition of ``views``."""
        self.service = service
        self.bootstrap = bootstrap
        self.group = group
        self.topics = {views: "view", content: "content"}
        if campaigns:
            self.topics[campaigns] = "campaign"
        self.views = views
        self.owned = owned
        if exposures is not None:
            del self.topics[views]
            self.topics[exposures] = "exposure"
            self.views = exposures
            self.router_group = f"{group}-router"
            self.source_views = views
        self.consumer: KafkaConsumer | None = None
        self.invalid = 0
        self._checked = 0.0
        self._routed = False
        self._started = time.monotonic()
        self._ends: dict[TopicPartition, int] = {}
        self._last_lag = 0.0
        #: the next offset of every views partition applied so far
        self._next: dict[TopicPartition, int] = {}

    def _start(self) -> dict[TopicPartition, int]:
        c = self.consumer = open_consumer(
            self.bootstrap, self.group, max_poll_records=_CHUNK * 4, fetch_max_wait_ms=100
        )
        parts = []
        for topic in self.topics:
            ids = c.partitions_for_topic(topic) or set()
            if topic == self.views and self.owned is not None:
                ids = set(ids) & set(self.owned)
            parts += [TopicPartition(topic, p) for p in sorted(ids)]
        views = [tp for tp in parts if tp.topic == self.views]
        # campaigns and content first: the campaigns' longest cap window decides how far back to read
        meta = self._read_to_end(c, [tp for tp in parts if tp.topic != self.views])
        c.assign(parts)
        for tp, n in meta.items():
            c.seek(tp, n)
        seek_to_window(c, views, self.service)
        for tp in views:  # a reconnect resumes where it was: the window read again would count views twice
            if tp in self._next:
                c.seek(tp, self._next[tp])
        self.service.feed["kafka_ok"] = True
        return c.end_offsets(parts) if parts else {}

    def _read_to_end(self, c: KafkaConsumer, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Apply ``parts`` from their beginning to their current end; returns the next offsets."""
        if not parts:
            return {}
        c.assign(parts)
        c.seek_to_beginning(*parts)
        ends = c.end_offsets(parts)
        deadline = time.monotonic() + 120
        while any(c.position(tp) < n for tp, n in ends.items()):
            if time.monotonic() > deadline:
                raise KafkaTimeoutError("campaigns/content not read to their end within 120 s")
            self._apply(c.poll(timeout_ms=200))
        return {tp: c.position(tp) for tp in parts}

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop``; reconnects with back-off while Kafka is unreachable."""
        self._started = time.monotonic()
        retry_forever(stop, self._step, self._reset, "kafka feed")

    def _reset(self, err: Exception | None) -> None:
        if err is not None:
            self.service.feed["kafka_ok"] = False
        self._close()

    def _step(self) -> None:
        if self.consumer is None:
            self._ends = self._start()
        self._apply(self.consumer.poll(timeout_ms=200))
        if not self.service.feed["ready"]:
            if self.owned is not None:
                self._ends = self._routed_ends(self._ends)
            if all(tp != _NEVER and self.consumer.position(tp) >= n for tp, n in self._ends.items()):
                self._ready()
        if time.monotonic() - self._last_lag > _CHECK_S:
            self._last_lag = time.monotonic()
            self._lag()  # a round trip to the brokers: Kafka down raises here, and /health says so

    def _ready(self) -> None:
        self.service.feed["ready"] = True
        # the rebuilt state is long-lived: keep the collector from rescanning it (p99 latency)
        gc.collect()
        gc.freeze()
        took = time.monotonic() - self._started
        self.service.feed["rebuild_s"] = round(took, 2)
        log.info("state rebuilt seconds=%.1f", took)

    def _routed_ends(self, ends: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Scale-out readiness: once the routers have routed every view there was, our partitions' ends."""
        if self._routed or time.monotonic() - self._checked < 1:
            return ends if self._routed else {**ends, _NEVER: 1}  # _NEVER: not ready yet
        self._checked = time.monotonic()
        c = self.consumer
        views = [
            TopicPartition(self.source_views, p)
            for p in sorted(c.partitions_for_topic(self.source_views) or [])
        ]
        view_ends = c.end_offsets(views)
        # the routers' committed offsets, read without joining their group
        probe = KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.router_group, enable_auto_commit=False
        )
        try:
            done = {tp: probe.committed(tp) or 0 for tp in views}
        finally:
            probe.close(autocommit=False)
        behind = sum(max(0, n - done[tp]) for tp, n in view_ends.items())
        log.debug("waiting for the routers views=%d behind=%d", len(views), behind)
        if not views or any(done[tp] < n for tp, n in view_ends.items() if n):
            return {**ends, _NEVER: 1}
        self._routed = True
        parts = [tp for tp in c.assignment() if tp.topic == self.views]
        return {**{tp: n for tp, n in ends.items() if tp != _NEVER}, **c.end_offsets(parts)}

    def _close(self) -> None:
        if self.consumer is not None:
            with contextlib.suppress(KafkaError, OSError):
                self.consumer.close(autocommit=False)
            self.consumer = None

    def _lag(self) -> None:
        c = self.consumer
        parts = list(c.assignment())
        ends = c.end_offsets(parts, timeout_ms=_TIMEOUT_MS)
        self.service.feed["kafka_lag"] = int(sum(max(0, ends[tp] - c.position(tp)) for tp in parts))
        self.service.feed["kafka_ok"] = True
        views = {tp: c.position(tp) for tp in parts if tp.topic == self.views}
        try:
            from kafka.structs import OffsetAndMetadata

            c.commit({tp: OffsetAndMetadata(n, "", -1) for tp, n in views.items()}, timeout_ms=_TIMEOUT_MS)
        except KafkaError as err:  # only for lag tools: the state is rebuilt by time, not offsets
            log.debug("commit failed error=%s", type(err).__name__)

    def _apply(self, polled: dict) -> None:
        now = self.service.now_ms()
        views, content, routed = [], [], []
        for tp, msgs in polled.items():
            kind = self.topics[tp.topic]
            if tp.topic == self.views and msgs:
                self._next[tp] = msgs[-1].offset + 1
            for m in msgs:
                raw = m.value if m.value is not None else b""
                try:
                    if kind == "view":
                        views.append(parse_view(raw, now))
                    elif kind == "exposure":
                        routed.append(orjson.loads(raw))
                    elif kind == "content":
                        content.append(parse_content(raw))
                    else:
                        self.service.put_campaign(parse_campaign(raw))
                except InvalidRecord:
                    self.invalid += 1
        if content:
            self.service.put_content(content)
        for i in range(0, len(routed), _CHUNK):
            self.service.apply_records(routed[i : i + _CHUNK])
        if routed:
            self.service.feed["last_event_at"] = time.time()
        for i in range(0, len(views), _CHUNK):
            self.service.apply_events(views[i : i + _CHUNK])
        if views:
            self.service.feed["last_event_at"] = time.time()


class GraphFeed:
    """Polls Neo4j: a new successful households run reloads the device map; spend every poll."""

    def __init__(self, service: ActivationService, client_factory, every_s: float = 5.0) -> None:
        self.service = service
        self.client_factory = client_factory
        self.every_s = every_s
        self.client: GraphClient | None = None

    def refresh(self) -> bool:
        """One poll; True when the device map was reloaded."""
        if self.client is None:
            self.client = self.client_factory()
        rows = self.client.read("jobs/read_last_success", job="households")
        run_ms = rows[0]["started"] if rows else None
        reloaded = False
        if run_ms != self.service.devices.run_ms or self.service.feed["device_map_at"] is None:
            devices = DeviceMap.from_rows(self.client.read("activation/read_device_map"), run_ms)
            self.service.put_devices(devices)
            self.service.feed["device_map_at"] = time.time()
            log.info(
                "device map loaded households=%d devices=%d shared_keys=%d",
                len(devices.members),
                len(devices.household_of),
                len(devices.shared),
            )
            reloaded = True
        self.service.put_spend(self.client.read("activation/read_campaign_totals"))
        self.service.feed["neo4j_ok"] = True
        return reloaded

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.refresh()
            except Exception as err:  # noqa: BLE001 — any driver failure: keep serving the cached map
                self.service.feed["neo4j_ok"] = False
                log.warning(
                    "neo4j refresh failed error=%s (serving the cached device map)", type(err).__name__
                )
                self._drop_client()
            stop.wait(self.every_s)
        self._drop_client()

    def _drop_client(self) -> None:
        if self.client is not None:
            try:
                self.client.close()
            except Exception:  # noqa: BLE001
                log.debug("closing the graph client failed")
            self.client = None
