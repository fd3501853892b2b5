"""Several instances: views re-keyed by household into the ``exposures`` topic, partitions owned statically.

Every instance runs an :class:`ExposureRouter` over its share of ``views`` (one consumer group) that
maps each device to its household and produces a compact record (device key, time, campaign, ad,
identity; never a raw MAC or IP) to the partition of the household's key. Instance ``i`` of ``n`` owns the
partitions ``p`` with ``p % n == i`` and keeps only their households' state; any instance can compute the
owner of a household and sends a request for a foreign household there (HTTP 307).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import zlib
from dataclasses import dataclass

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from hausgraph.api.feeds import open_consumer, retry_forever, seek_to_window
from hausgraph.api.service import ActivationService
from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.rows import event_identity

__all__ = ["ExposureRouter", "Ownership", "RoutingFailed", "handed_over", "partition_of", "route_key"]

log = logging.getLogger(__name__)


def route_key(device: str, household: str | None) -> str:
    """The key a device's records travel under: its household, or the device alone.

    >>> route_key("d1", "hh-7"), route_key("d1", None)
    ('hh-7', 'dev:d1')
    """
    return household if household is not None else f"dev:{device}"


def partition_of(key: str, partitions: int) -> int:
    """A stable partition for a routing key (CRC-32, the same on every instance and client).

    >>> partition_of("hh-7", 8), partition_of("hh-8", 8)
    (0, 1)
    """
    return zlib.crc32(key.encode()) % partitions


@dataclass(frozen=True)
class Ownership:
    """Instance ``index`` of ``count`` over ``partitions`` partitions; ``peers`` are the instances' URLs."""

    index: int
    count: int
    partitions: int
    peers: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str, partitions: int, peers: str | None) -> Ownership:
        """From ``"i/n"`` and comma-separated peer URLs.

        >>> Ownership.parse("1/2", 8, "http://a:1,http://b:2").owned()
        [1, 3, 5, 7]
        """
        i, n = (int(x) for x in spec.split("/"))
        if not 0 <= i < n:
            raise ValueError(f"instance {spec!r}: index must be in 0..{n - 1}")
        urls = tuple(u.strip().rstrip("/") for u in (peers or "").split(",") if u.strip())
        if urls and len(urls) != n:
            raise ValueError(f"{len(urls)} peer URLs for {n} instances")
        return cls(i, n, partitions, urls)

    def owned(self) -> list[int]:
        return [p for p in range(self.partitions) if p % self.count == self.index]

    def owner(self, key: str) -> int:
        return partition_of(key, self.partitions) % self.count

    def holds(self, device: str, household: str | None) -> bool:
        """Whether this instance holds the device's state when it is in ``household`` (or in none).

        >>> own = Ownership(0, 2, 8)
        >>> own.holds("d1", "hh-7"), own.holds("d1", "hh-8")
        (True, False)
        """
        return self.owner(route_key(device, household)) == self.index


def encode(device: str, ev, eid: int) -> bytes:
    """The compact exposure/view record of the ``exposures`` topic (device key, no raw identifiers)."""
    rec = {"d": device, "t": ev.ts_ms, "e": ev.event, "y": ev.device_type, "x": eid}
    if ev.event == "impression":
        rec.update(c=ev.campaign_id, a=ev.ad_id or "")
    else:  # views carry their identity too: a view routed twice (a restarted router) counts once
        rec.update(k=ev.content_id, s=ev.duration_s or 0.0)
    return orjson.dumps(rec)


def handed_over(
    device: str, device_type: str | None, exposures: list[tuple], views: list[tuple]
) -> list[dict]:
    """A device's state as compact records (the ``exposures`` topic's), for the instance that holds it now.

    >>> handed_over("d", "tv", [(1000, 7, "c", "a")], [(900, "film", 60.0, 5), (950, "news", 3.0, None)])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'d': 'd', 't': 1000, 'e': 'impression', 'y': 'tv', 'x': 7, 'c': 'c', 'a': 'a'},
     {'d': 'd', 't': 900, 'e': 'view', 'y': 'tv', 'k': 'film', 's': 60.0, 'x': 5},
     {'d': 'd', 't': 950, 'e': 'view', 'y': 'tv', 'k': 'news', 's': 3.0}]
    """
    out = [{"d": device, "t": t, "e": "impression", "y": device_type, "x": x, "c": c, "a": a}
           for t, x, c, a in exposures]  # fmt: skip
    for t, k, sec, x in views:
        rec = {"d": device, "t": t, "e": "view", "y": device_type, "k": k, "s": sec}
        if x is not None:
            rec["x"] = x
        out.append(rec)
    return out


class RoutingFailed(Exception):
    """The brokers did not take a routed record: nothing after it is committed (it is routed again)."""


class ExposureRouter:
    """Views → the household-keyed ``exposures`` topic; offsets committed after the records are flushed.

    Instance ``i`` of ``n`` routes the ``views`` partitions ``q`` with ``q % n == i`` (static, like the
    exposures partitions it owns); on start it seeks them by time to the retained window, or to the
    group's committed offsets when those are later (a restart routes only what it had not routed yet);
    a copy routed twice (a crash between flush and commit) counts once downstream: impressions and views
    carry their identity. It starts routing once the device map is loaded (from Neo4j or a households
    file). Offsets are committed only after the brokers took every record (a record the producer gave up
    on is routed again, never skipped).

    A new device map (a households run placed, moved or unplaced devices) can give a device another
    routing key, and so another owner: the router then hands the state of every device its instance no
    longer holds to the instance that does (:meth:`ActivationService.take_foreign`), and forwards the
    records that reach its instance for such a device afterwards (routed under the old map by a router
    that has not reloaded yet: :attr:`ActivationService.outbox`). Whichever instance is asked, the owner
    then counts every exposure of the household's current devices, as a single instance does.
    """

    def __init__(
        self,
        service: ActivationService,
        bootstrap: str,
        group: str,
        views: str,
        exposures: str,
        partitions: int,
        share: tuple[int, int] = (0, 1),
    ) -> None:
        self.share = share
        self.service = service
        self.bootstrap = bootstrap
        self.group = f"{group}-router"
        self.views = views
        self.exposures = exposures
        self.partitions = partitions
        self.consumer: KafkaConsumer | None = None
        self.routed = 0
        self._producer: KafkaProducer | None = None
        self._last_commit = 0.0
        self._waiting_logged = False
        #: the device map whose foreign devices were handed over last
        self._map: object | None = None
        #: the next offset of each views partition routed and flushed
        self._next: dict[TopicPartition, int] = {}

    def run(self, stop: threading.Event) -> None:
        retry_forever(stop, self._step, self._reset, "exposure router")

    def _step(self) -> None:
        if self.service.feed["device_map_at"] is None:
            # routing needs the device map: a view routed before it goes under the device's own key, to a
            # partition another instance may own, and its household would count one impression short
            if not self._waiting_logged:
                log.info("exposure router waiting for the device map")
                self._waiting_logged = True
            time.sleep(0.2)
            return
        if self.consumer is None:
            self.consumer = open_consumer(
                self.bootstrap, self.group, max_poll_records=2000, fetch_max_wait_ms=50,
                session_timeout_ms=10_000, heartbeat_interval_ms=3_000,
            )  # fmt: skip
            i, n = self.share
            parts = [
                TopicPartition(self.views, q)
                for q in sorted(self.consumer.partitions_for_topic(self.views) or [])
                if q % n == i
            ]
            self.consumer.assign(parts)
            seek_to_window(self.consumer, parts, self.service)
            for tp, n in self._resume_at(parts).items():
                self.consumer.seek(tp, n)
            self._producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks=1, linger_ms=2)
        c = self.consumer
        self._hand_over()
        polled = c.poll(timeout_ms=200)
        if polled:
            self._flush(self._route(polled, self._producer))
            for tp, msgs in polled.items():
                if msgs:
                    self._next[tp] = msgs[-1].offset + 1
        if polled or time.monotonic() - self._last_commit > 1:
            # positions of every routed partition, even idle ones: readiness reads them
            c.commit({tp: OffsetAndMetadata(c.position(tp), "", -1) for tp in c.assignment()})
            self._last_commit = time.monotonic()

    def _flush(self, futures: list) -> None:
        """Wait for the brokers to take every record sent; raise if one was not (``flush`` does not)."""
        self._producer.flush()
        failed = [f for f in futures if f.failed()]
        if failed:
            raise RoutingFailed(f"{len(failed)} records not taken: {failed[0].exception!r}")

    def _hand_over(self) -> None:
        """After a new device map, the state of the devices another instance holds now goes to it; and so
        does every record the feed set aside for such a device (:attr:`ActivationService.outbox`)."""
        service = self.service
        records = []
        if service.devices is not self._map:
            self._map = service.devices
            taken = service.take_foreign()
            for t in taken:
                records += handed_over(*t)
            if taken:
                log.info("device map changed: devices handed over=%d records=%d", len(taken), len(records))
        while service.outbox:
            records.append(service.outbox.popleft())
        if not records:
            return
        now = service.now_ms()
        futures = [
            self._send(self._producer, r["d"], orjson.dumps({**r, "h": r.get("h", 0) + 1}), r.get("t"), now)
            for r in records
        ]
        try:
            self._flush(futures)
        except Exception:
            service.outbox.extendleft(reversed(records))  # sent again after the reset
            raise

    def _resume_at(self, parts: list[TopicPartition]) -> dict[TopicPartition, int]:
        """Where routing resumes, when that is later than the window's start: after what this router
        flushed (a reconnect), else after the group's committed offset (a restart). What was routed
        already is in the exposures topic; routing it again would only produce copies (which count once
        downstream, by identity)."""
        out = {}
        for tp in parts:
            n = self._next.get(tp)
            if n is None:
                n = self.consumer.committed(tp)
            if n is not None and n > self.consumer.position(tp):
                out[tp] = n
        if out:
            log.info("exposure router resumes partitions=%d", len(out))
        return out

    def _reset(self, err: Exception | None) -> None:
        if self.consumer is not None:
            try:
                self.consumer.close(autocommit=False)
            except (KafkaError, OSError):
                log.debug("router close failed")
            self.consumer = None
        if self._producer is not None:  # unflushed records are routed again: the window is re-read
            with contextlib.suppress(KafkaError, OSError):
                self._producer.close(timeout=1 if err is not None else None)
            self._producer = None

    def _send(self, producer: KafkaProducer, device: str, value: bytes, ts_ms, now: int):
        """Send one record to the partition of the device's routing key under the current map (its
        timestamp the event's, within [0, now]); the producer's future."""
        key = route_key(device, self.service.household_of(device))
        return producer.send(
            self.exposures,
            value=value,
            key=key.encode(),
            partition=partition_of(key, self.partitions),
            timestamp_ms=max(0, min(ts_ms, now)) if isinstance(ts_ms, int) else now,
        )

    def _route(self, polled: dict, producer: KafkaProducer) -> list:
        now = self.service.now_ms()
        pseudo = self.service.pseudo
        futures = []
        for msgs in polled.values():
            for m in msgs:
                try:
                    ev = parse_view(m.value if m.value is not None else b"", now)
                except InvalidRecord:
                    continue
                if not (ev.event == "impression" and ev.campaign_id) and not (
                    ev.event == "view" and ev.content_id
                ):
                    continue
                device = pseudo.mac(ev.mac)
                futures.append(
                    self._send(
                        producer, device, encode(device, ev, event_identity(ev, pseudo)), ev.ts_ms, now
                    )
                )
                self.routed += 1
        time.sleep(0)
        return futures
