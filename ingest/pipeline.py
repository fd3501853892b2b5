"""Overlap the pure preparation of batch N+1 with the Neo4j write of batch N."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from neo4j.exceptions import DatabaseUnavailable, ServiceUnavailable, SessionExpired, TransientError

from graph.client import GraphClient
from ingest.batch import Prepared
from ingest.deadletters import DeadLetterSink
from ingest.errors import DeadLetterSendFailed
from ingest.sink import BatchResult, write_batch

__all__ = ["RETRYABLE", "WritePipeline", "Written", "retry", "send_until_stored"]

log = logging.getLogger(__name__)
RETRYABLE = (
    ServiceUnavailable,
    SessionExpired,
    TransientError,
    DatabaseUnavailable,
    ConnectionError,
    OSError,
)


def retry(work: Callable[[], object], stop: threading.Event, on_retry: Callable[[], None] = lambda: None):
    """``work()`` until it succeeds, backing off on Neo4j outages; ``None`` if ``stop`` is set first."""
    delay = 0.5
    while True:
        try:
            return work()
        except RETRYABLE as err:
            on_retry()
            log.warning("neo4j unavailable, retrying in %.1fs error=%s", delay, type(err).__name__)
            if stop.wait(delay):
                return None
            delay = min(delay * 2, 15.0)


def send_until_stored(
    dead: DeadLetterSink, prep: Prepared, stop: threading.Event, on_retry: Callable[[], None] = lambda: None
) -> bool:
    """Store the batch's dead letters, trying again with back-off; ``False`` if ``stop`` came first.

    A failed send fails the batch: it is neither written nor committed until its dead letters are
    stored, so a record the broker refuses is never lost behind a committed offset.
    """
    delay = 0.5
    while True:
        try:
            dead.send(prep.dead)
            return True
        except DeadLetterSendFailed as err:
            on_retry()
            log.error("dead letters not stored, retrying in %.1fs error=%s", delay, err.cause)
            if stop.wait(delay):
                return False
            delay = min(delay * 2, 15.0)


@dataclass(frozen=True)
class Written:
    """A batch whose transaction committed (``result``) or was abandoned on stop (``None``)."""

    prep: Prepared
    result: BatchResult | None


class WritePipeline:
    """At most one batch in flight: ``submit`` returns the previous batch once it committed.

    Dead letters of a batch are stored before its data is written, so when a caller commits a
    batch's source offsets after ``submit``/``drain`` returned it, nothing can be lost.
    """

    def __init__(
        self,
        client: GraphClient,
        group: str,
        dead_letters: DeadLetterSink,
        stop: threading.Event,
        on_retry: Callable[[], None] = lambda: None,
        skip_committed: bool = False,
    ) -> None:
        self._client = client
        self._group = group
        self._dead = dead_letters
        self._stop = stop
        self._on_retry = on_retry
        self._skip_committed = skip_committed
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-writer")
        self._pending: tuple[Prepared, Future] | None = None

    def submit(self, prep: Prepared, now_ms: int) -> Written | None:
        if prep.dead and not send_until_stored(self._dead, prep, self._stop, self._on_retry):
            return self.drain()  # stopped: this batch is neither written nor committed
        done = self.drain()
        fut = self._pool.submit(
            retry,
            lambda: write_batch(self._client, prep, self._group, now_ms, skip_committed=self._skip_committed),
            self._stop,
            self._on_retry,
        )
        self._pending = (prep, fut)
        return done

    def drain(self) -> Written | None:
        """Wait for the batch in flight, if any."""
        if self._pending is None:
            return None
        prep, fut = self._pending
        self._pending = None
        return Written(prep, fut.result())

    def close(self) -> None:
        self._pool.shutdown(wait=True)
