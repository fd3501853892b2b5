"""Kafka consumer lag of the ingest group: end offsets against the group's committed offsets, per partition.

Pure of Streamlit: :func:`consumer_lag` talks to Kafka with short timeouts and never raises for an
unreachable broker; it returns a :class:`LagReport` whose ``error`` says why instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LagReport", "consumer_lag", "lag_rows"]

log = logging.getLogger(__name__)


@dataclass
class LagReport:
    """Per-partition lag rows (``topic, partition, committed, end, lag``) or the reason there are none."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(r["lag"] for r in self.rows)


def lag_rows(
    ends: dict[tuple[str, int], int], committed: dict[tuple[str, int], int | None]
) -> list[dict[str, Any]]:
    """Lag per partition; a partition the group never committed lags by its whole length.

    >>> for row in lag_rows({("views", 0): 10, ("views", 1): 5}, {("views", 0): 7}):
    ...     print(row)
    {'topic': 'views', 'partition': 0, 'committed': 7, 'end': 10, 'lag': 3}
    {'topic': 'views', 'partition': 1, 'committed': None, 'end': 5, 'lag': 5}
    """
    rows = []
    for (topic, part), end in sorted(ends.items()):
        done = committed.get((topic, part))
        rows.append(
            {
                "topic": topic,
                "partition": part,
                "committed": done,
                "end": end,
                "lag": max(0, end - (done or 0)),
            }
        )
    return rows


def consumer_lag(bootstrap: str, group: str, topics: list[str], timeout_ms: int = 3000) -> LagReport:
    """End offsets vs. ``group``'s committed offsets for every partition of ``topics``.

    Never joins the group (no rebalance of the running ingesters): offsets are read, not consumed.
    """
    try:
        from kafka import KafkaConsumer, TopicPartition
        from kafka.errors import KafkaError
    except ImportError as err:  # pragma: no cover - kafka-python is a dependency
        return LagReport(error=f"kafka-python missing: {err}")
    consumer = None
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=False,
            client_id="hausgraph-dashboard",
            request_timeout_ms=max(timeout_ms, 1000),
            bootstrap_timeout_ms=timeout_ms,
            fetch_max_wait_ms=100,
            metadata_max_age_ms=max(timeout_ms, 1000),
            reconnect_backoff_max_ms=500,
            connections_max_idle_ms=max(timeout_ms * 3, 10_000),
        )
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        if not parts:
            return LagReport()
        ends = consumer.end_offsets(parts)
        committed = {(tp.topic, tp.partition): consumer.committed(tp) for tp in parts}
        return LagReport(rows=lag_rows({(tp.topic, tp.partition): n for tp, n in ends.items()}, committed))
    except (KafkaError, OSError, ValueError) as err:
        log.info("kafka lag unavailable error=%s", type(err).__name__)
        return LagReport(error=f"{type(err).__name__}: {err}")
    finally:
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except Exception as err:  # noqa: BLE001 - closing a half-open client must not hide the report
                log.debug("kafka lag consumer close failed error=%s", type(err).__name__)
