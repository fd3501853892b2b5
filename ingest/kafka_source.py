"""Thin shell: the Kafka consumer loop (poll → prepare → one Neo4j transaction → commit)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from graph.client import GraphClient
from ingest.batch import SourceRecord, prepare
from ingest.deadletters import DeadLetterSink
from ingest.pipeline import WritePipeline, Written, retry
from ingest.pseudonym import Pseudonymizer
from ingest.sink import read_offsets
from ingest.suppression import SuppressionList

__all__ = ["FETCH_BYTES_PER_RECORD", "IngestLoop", "LoopStats", "end_offsets", "fetch_sizes", "make_consumer"]

log = logging.getLogger(__name__)

#: Wire bytes budgeted per record when a fetch is sized to a batch: a view line is ~200 B of JSON,
#: plus its key and the record's framing. Kafka's fetch limits count the bytes as stored, so an
#: uncompressed topic fills a fixed 1 MiB per partition with ~4,000 records, a gzip one with ~5 times more.
FETCH_BYTES_PER_RECORD = 512


def fetch_sizes(max_poll_records: int) -> dict[str, int]:
    """Kafka fetch limits that let one poll fill a batch of ``max_poll_records`` from one partition.

    A poll returns only what earlier fetches buffered, at most one fetch response per partition,
    and a fetch is capped in stored (possibly compressed) bytes. With a fixed 1 MiB per partition,
    batches of an uncompressed topic came out a third of ``max_poll_records`` (issue #18). The
    buffer stays near one batch's worth: the total per fetch is capped at the same size.

    Parameters
    ----------
    max_poll_records : int
        The ingester's batch size.

    Returns
    -------
    dict
        ``max_partition_fetch_bytes`` and ``fetch_max_bytes`` for :class:`kafka.KafkaConsumer`.

    Examples
    --------
    >>> fetch_sizes(20_000)
    {'max_partition_fetch_bytes': 10240000, 'fetch_max_bytes': 10240000}
    >>> fetch_sizes(500)  # small batches keep kafka-python's defaults as floors
    {'max_partition_fetch_bytes': 1048576, 'fetch_max_bytes': 8388608}
    """
    per_partition = max(1 << 20, max_poll_records * FETCH_BYTES_PER_RECORD)
    return {"max_partition_fetch_bytes": per_partition, "fetch_max_bytes": max(8 << 20, per_partition)}


def make_consumer(bootstrap: str, group: str, max_poll_records: int, **extra) -> KafkaConsumer:
    """A consumer that never auto-commits; offsets are committed after Neo4j commits."""
    return KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=max_poll_records,
        max_poll_interval_ms=600_000,  # Neo4j back-off may hold one batch for minutes
        # Fetched batches are held until polled: the fetch limits keep the prefetch near one
        # poll's worth (or the ingester's memory grows with the backlog) yet able to fill one.
        client_id=f"{group}-ingest",
        # A crashed (SIGKILLed) ingester holds its partitions until its session expires; the
        # client's 45 s default stalls the replacement that long. Heartbeats run on their own
        # thread, so a long Neo4j back-off does not expire the session.
        **{
            "session_timeout_ms": 10_000,
            "heartbeat_interval_ms": 3_000,
            # kafka-python can compute a group's first assignment before it has the subscribed
            # topics' partitions (dpkp/kafka-python#1237) and only rejoins at the next metadata
            # refresh: 10 s instead of the 5 min default bounds that stall (and picks up new
            # partitions as soon).
            "metadata_max_age_ms": 10_000,
            **fetch_sizes(max_poll_records),
            **extra,
        },
    )


def end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """The next offset to be written per partition of ``topics`` (what "caught up" means)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        return {
            (tp.topic, tp.partition): n for tp, n in (consumer.end_offsets(parts) if parts else {}).items()
        }
    finally:
        consumer.close()


@dataclass
class LoopStats:
    batches: int = 0
    valid: int = 0
    invalid: int = 0
    fresh: int = 0
    duplicates: int = 0
    retries: int = 0
    started: float = field(default_factory=time.monotonic)
    #: event-to-graph latency (commit time minus event time) of the last batch's events, ms
    last_latencies_ms: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return (self.valid + self.invalid) / max(time.monotonic() - self.started, 1e-9)


class _SeekToStored(ConsumerRebalanceListener):
    """On assignment, resume from the offsets stored in Neo4j with the data."""

    def __init__(self, loop: IngestLoop) -> None:
        self._loop = loop

    def on_partitions_revoked(self, revoked) -> None:
        log.info("partitions revoked count=%d", len(revoked))

    def on_partitions_assigned(self, assigned) -> None:
        stored = self._loop.refresh_floor()
        for tp in assigned:
            nxt = stored.get((tp.topic, tp.partition))
            if nxt is not None:
                self._loop.consumer.seek(tp, nxt)
        log.info(
            "partitions assigned count=%d resumed=%d",
            len(assigned),
            sum((tp.topic, tp.partition) in stored for tp in assigned),
        )


class IngestLoop:
    """Consumes ``views``, ``content`` (and ``campaigns`` when named) until ``stop`` is set.

    Every poll becomes one Neo4j transaction that also stores the next offsets; Kafka's
    own offsets are committed only after it. Invalid records go to the dead letters
    before the commit. When Neo4j is down the same batch is retried with back-off.
    """

    def __init__(
        self,
        consumer: KafkaConsumer,
        client: GraphClient,
        dead_letters: DeadLetterSink,
        pseudo: Pseudonymizer,
        group: str,
        views_topic: str,
        content_topic: str,
        poll_timeout_ms: int = 500,
        max_records: int = 5000,
        clock: Callable[[], float] = time.time,
        suppressed: SuppressionList | None = None,
        campaigns_topic: str | None = None,
    ) -> None:
        self.consumer = consumer
        self.suppressed = suppressed
        self.client = client
        self.dead_letters = dead_letters
        self.pseudo = pseudo
        self.group = group
        self.kinds = {views_topic: "view", content_topic: "content"}
        if campaigns_topic:
            self.kinds[campaigns_topic] = "campaign"
        self.poll_timeout_ms = poll_timeout_ms
        self.max_records = max_records
        self.clock = clock
        self.stats = LoopStats()
        self._floor: dict[tuple[str, int], int] = {}
        #: the running loop's stop event: every retry (the rebalance callback's too) waits on it
        self._stop = threading.Event()

    def caught_up(self, ends: dict[tuple[str, int], int]) -> bool:
        """True once everything below ``ends`` is committed with the data."""
        return all(self._floor.get(tp, 0) >= n for tp, n in ends.items() if n > 0)

    def refresh_floor(self) -> dict[tuple[str, int], int]:
        stored = retry(lambda: read_offsets(self.client, self.group), self._stop, self._count_retry)
        if stored is not None:  # None: stopped while Neo4j was down; nothing is consumed after that
            self._floor = stored
        return self._floor

    def _count_retry(self) -> None:
        self.stats.retries += 1

    def run(self, stop: threading.Event, on_batch: Callable[[LoopStats], None] | None = None) -> LoopStats:
        self._stop = stop
        self.consumer.subscribe(list(self.kinds), listener=_SeekToStored(self))
        pipeline = WritePipeline(
            self.client, self.group, self.dead_letters, stop, self._count_retry, skip_committed=True
        )
        try:
            while not stop.is_set():
                polled = self.consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.max_records)
                records = self._records(polled)
                done = (
                    pipeline.submit(
                        prepare(records, self.pseudo, self._now_ms(), self._suppressed()), self._now_ms()
                    )
                    if records
                    else pipeline.drain()
                )
                if done is not None and not self._committed(done, on_batch):
                    break  # stopped while Neo4j was unavailable: nothing committed, replay is safe
            self._committed(pipeline.drain(), on_batch)
        finally:
            pipeline.close()
            self.consumer.close(autocommit=False)
        return self.stats

    def _suppressed(self) -> SuppressionList | None:
        return self.suppressed.current() if self.suppressed is not None else None

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _records(self, polled) -> list[SourceRecord]:
        out = []
        for tp, msgs in polled.items():
            floor = self._floor.get((tp.topic, tp.partition), 0)
            kind = self.kinds[tp.topic]
            out.extend(
                SourceRecord(kind, m.value if m.value is not None else b"", tp.topic, tp.partition, m.offset)
                for m in msgs
                if m.offset >= floor
            )
        return out

    def _committed(self, done: Written | None, on_batch: Callable[[LoopStats], None] | None) -> bool:
        """Commit a written batch's offsets to Kafka and count it; False if it was abandoned."""
        if done is None:
            return True
        prep, result = done.prep, done.result
        if result is None:
            return False
        try:
            self.consumer.commit(
                {
                    TopicPartition(t, p): OffsetAndMetadata(n, "", -1)
                    for (t, p), n in prep.next_offsets.items()
                }
            )
        except (CommitFailedError, KafkaError) as err:
            # Harmless: Neo4j holds the authoritative offsets, the next owner resumes from them.
            log.warning("kafka commit failed error=%s", type(err).__name__)
        for tp, n in prep.next_offsets.items():
            self._floor[tp] = max(self._floor.get(tp, 0), n)
        s = self.stats
        s.batches += 1
        s.valid += prep.valid
        s.invalid += len(prep.dead)
        s.fresh += result.fresh
        s.duplicates += result.duplicates
        committed_ms = self._now_ms()
        s.last_latencies_ms = [committed_ms - e["ts"] for r in prep.presence for e in r["events"]]
        log.info(
            "batch committed records=%d fresh=%d dead=%d",
            prep.valid + len(prep.dead),
            result.fresh,
            len(prep.dead),
        )
        if on_batch:
            on_batch(s)
        return True
