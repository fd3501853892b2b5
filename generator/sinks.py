"""Where lines go: JSON Lines files (optionally gzip) or Kafka topics (kafka-python)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

__all__ = ["FileSink", "KafkaSink", "open_private", "producer_config", "write_private"]


def open_private(path: Path) -> BinaryIO:
    """``path`` truncated and opened for writing, readable by its owner only (0600): events and
    truth files hold raw MACs and IPs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # a file made before this rule keeps its old mode otherwise
    return os.fdopen(fd, "wb")


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600."""
    with open_private(path) as fh:
        fh.write(data)


class FileSink:
    """Writes lines to ``path`` in large buffered chunks (gzip when the name ends in ``.gz``)."""

    def __init__(self, path: Path) -> None:
        raw = open_private(path)
        # mtime=0 and no file name in the header keep gzip output byte-identical across runs
        self._fh = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=4)
            if path.suffix == ".gz"
            else raw
        )
        self._raw = raw
        self.count = 0

    def write(self, lines: list[bytes], keys: Iterable[bytes] | None = None) -> None:
        if lines:
            self._fh.write(b"\n".join(lines) + b"\n")
            self.count += len(lines)

    def close(self) -> None:
        self._fh.close()
        if self._fh is not self._raw:
            self._raw.close()

    def __enter__(self) -> FileSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def producer_config(bootstrap: str, compression: str | None = "gzip") -> dict:
    """KafkaProducer settings tuned for throughput on a small machine."""
    return {
        "bootstrap_servers": bootstrap.split(","),
        "acks": 1,
        "linger_ms": 50,
        "batch_size": 512 * 1024,
        "compression_type": compression,
        "max_request_size": 4 * 1024 * 1024,
        "retries": 5,
        "max_in_flight_requests_per_connection": 1,
    }


class KafkaSink:
    """Sends lines to a topic, keyed by the device's pseudonymous key (per-device order)."""

    def __init__(self, bootstrap: str, topic: str, compression: str | None = "gzip", producer=None) -> None:
        if producer is None:
            from kafka import KafkaProducer

            producer = KafkaProducer(**producer_config(bootstrap, compression))
        self._p = producer
        self.topic = topic
        self.count = 0

    def write(self, lines: list[bytes], keys: Iterable[bytes] | None = None) -> None:
        send, topic = self._p.send, self.topic
        if keys is None:
            for line in lines:
                send(topic, value=line)
        else:
            for line, key in zip(lines, keys):
                send(topic, value=line, key=key)
        self.count += len(lines)

    def flush(self) -> None:
        self._p.flush()

    def close(self) -> None:
        self._p.flush()
        self._p.close()

    def __enter__(self) -> KafkaSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
