"""Send lines to one Kafka topic from several producer processes (kafka-python spends ~20-30 µs of CPU
per message in pure Python: one process cannot feed the broker faster than ~30-40k lines/s).

The parent assigns each line its partition (kafka-python's own murmur2 partitioner, cached per key, so
a device lands where a keyed ``send`` would put it) and hands each process the partitions it owns, so
one device's lines are sent by one process, in order. Values arrive serialised; workers pass the
partition explicitly, which skips the partitioner in the hot loop.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from collections.abc import Iterable
from typing import Any

from generator.sinks import producer_config

__all__ = ["ParallelKafkaSink", "ProducerFailed", "partition_of"]


class ProducerFailed(RuntimeError):
    """A producer process ended without sending everything it was given."""

    def __init__(self, topic: str, exitcodes: list[int | None]) -> None:
        super().__init__(f"producer processes for topic {topic!r} failed: exit codes {exitcodes}")
        self.topic = topic
        self.exitcodes = exitcodes


def partition_of(key: bytes, partitions: int) -> int:
    """kafka-python's default partition of a key (murmur2, positive, modulo the partition count).

    >>> partition_of(b"device-1", 4) == partition_of(b"device-1", 4) < 4
    True
    """
    from kafka.partitioner.default import murmur2

    return (murmur2(key) & 0x7FFFFFFF) % partitions


def _send_loop(bootstrap: str, topic: str, compression: str | None, queue: Any) -> None:
    """Worker: send every ``(partitions, values, keys)`` item until ``None``, then flush."""
    from kafka import KafkaProducer

    producer = KafkaProducer(**producer_config(bootstrap, compression))
    send = producer.send
    try:
        while (item := queue.get()) is not None:
            for part, value, key in zip(*item, strict=True):
                send(topic, value=value, key=key, partition=part)
        producer.flush()
    finally:
        producer.close()


class ParallelKafkaSink:
    """A :class:`generator.sinks.KafkaSink` look-alike (``write``/``flush``/``close``) with N processes.

    ``write`` needs keys (they decide the partition). ``close`` waits for every process to flush and
    raises :class:`ProducerFailed` if one did not finish cleanly.
    """

    def __init__(
        self, bootstrap: str, topic: str, compression: str | None = "gzip", producers: int = 2
    ) -> None:
        from kafka import KafkaProducer

        if producers < 1:
            raise ValueError(f"producers must be at least 1, got {producers}")
        meta = KafkaProducer(**producer_config(bootstrap, compression))
        try:
            self.partitions = len(meta.partitions_for(topic))  # creates an auto-created topic
        finally:
            meta.close()
        self.topic = topic
        self.count = 0
        self._cache: dict[bytes, int] = {}
        ctx = mp.get_context("spawn")  # no fork of a process that may run client threads
        n = min(producers, self.partitions)
        self._queues = [ctx.Queue(maxsize=4) for _ in range(n)]
        self._procs = [
            ctx.Process(target=_send_loop, args=(bootstrap, topic, compression, q), daemon=True)
            for q in self._queues
        ]
        for p in self._procs:
            p.start()

    def write(self, lines: list[bytes], keys: Iterable[bytes] | None = None) -> None:
        if keys is None:
            raise ValueError("ParallelKafkaSink needs a key per line (it decides the partition)")
        n, cache, parts = len(self._queues), self._cache, self.partitions
        items: list[tuple[list[int], list[bytes], list[bytes]]] = [([], [], []) for _ in range(n)]
        for line, key in zip(lines, keys, strict=True):
            part = cache.get(key)
            if part is None:
                part = cache[key] = partition_of(key, parts)
            item = items[part % n]
            item[0].append(part)
            item[1].append(line)
            item[2].append(key)
        for q, item in zip(self._queues, items):
            if item[0]:
                self._put(q, item)
        self.count += len(lines)

    def _put(self, q: Any, item: Any) -> None:
        """Hand ``item`` to a process; a process that died raises instead of blocking for ever."""
        while True:
            try:
                q.put(item, timeout=1.0)
                return
            except queue.Full:
                if any(p.exitcode is not None for p in self._procs):
                    self._stop()
                    raise ProducerFailed(self.topic, [p.exitcode for p in self._procs]) from None

    def _stop(self) -> None:
        for p in self._procs:
            if p.exitcode is None:
                p.terminate()
            p.join()

    def flush(self) -> None:
        """Lines are flushed when the processes end (``close``); a no-op in between."""

    def close(self) -> None:
        for q in self._queues:
            self._put(q, None)
        for p in self._procs:
            p.join()
        codes = [p.exitcode for p in self._procs]
        if any(c != 0 for c in codes):
            raise ProducerFailed(self.topic, codes)

    def __enter__(self) -> ParallelKafkaSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
