"""Where rejected records go: the ``views.dlq`` topic or a JSON Lines file, originals intact.

A dead letter is stored before the batch's offsets are committed, and "stored" means confirmed:
every Kafka send is awaited, and a failure raises :class:`DeadLetterSendFailed` so that the batch
is not committed and is tried again. A record too large for the topic is cut to
:data:`MAX_DEAD_LETTER_BYTES`; its headers keep the reason, the original size and a SHA-256 digest
of the original bytes.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import IO, Protocol

import orjson

from ingest.batch import DeadLetter
from ingest.contract import MAX_MESSAGE_BYTES
from ingest.errors import DeadLetterSendFailed

__all__ = [
    "MAX_DEAD_LETTER_BYTES",
    "DeadLetterSink",
    "FileDeadLetters",
    "KafkaDeadLetters",
    "dead_letter_headers",
    "dead_letter_value",
    "private_append",
]

#: Largest value sent to the dead-letter topic (Kafka's default max.message.bytes is ~1 MiB; the
#: contract rejects messages over 64 KiB, so their first 64 KiB tell what they were).
MAX_DEAD_LETTER_BYTES = MAX_MESSAGE_BYTES


class DeadLetterSink(Protocol):
    def send(self, letters: list[DeadLetter]) -> None:
        """Store ``letters`` durably before the batch's offsets are committed; raise if that fails."""


def dead_letter_value(
    value: bytes, limit: int = MAX_DEAD_LETTER_BYTES
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The value to send and, when it had to be cut, headers naming the original's size and digest.

    >>> dead_letter_value(b"abc")
    (b'abc', [])
    >>> v, h = dead_letter_value(b"abcdef", limit=4)
    >>> v, [k for k, _ in h], dict(h)["original_size"]
    (b'abcd', ['truncated', 'original_size', 'original_sha256'], b'6')
    """
    if len(value) <= limit:
        return value, []
    return value[:limit], [
        ("truncated", b"1"),
        ("original_size", str(len(value)).encode()),
        ("original_sha256", hashlib.sha256(value).hexdigest().encode()),
    ]


def dead_letter_headers(letter: DeadLetter) -> list[tuple[str, bytes]]:
    """Kafka headers saying why and from where (the value stays the original bytes)."""
    rec = letter.record
    return [
        ("reason", letter.reason.encode()),
        ("detail", letter.detail.encode()),
        ("source_topic", rec.topic.encode()),
        ("source_partition", str(rec.partition).encode()),
        ("source_offset", str(rec.offset).encode()),
    ]


class KafkaDeadLetters:
    """Produces each dead letter to ``topic`` and returns only once the broker confirmed every one.

    Raises
    ------
    DeadLetterSendFailed
        When a send is refused (record too large for the topic, not authorized, broker down, timeout).
        Nothing of the batch may be committed then; the caller tries the batch again.
    """

    def __init__(
        self, producer, topic: str, max_bytes: int = MAX_DEAD_LETTER_BYTES, timeout_s: float = 30.0
    ) -> None:  # producer: kafka.KafkaProducer
        self._producer = producer
        self._topic = topic
        self._max_bytes = max_bytes
        self._timeout_s = timeout_s

    def send(self, letters: list[DeadLetter]) -> None:
        if not letters:
            return
        futures = []
        try:
            for letter in letters:
                value, extra = dead_letter_value(letter.record.value, self._max_bytes)
                futures.append(
                    self._producer.send(self._topic, value=value, headers=dead_letter_headers(letter) + extra)
                )
            self._producer.flush(timeout=self._timeout_s)
            for fut in futures:
                fut.get(timeout=self._timeout_s)
        except Exception as err:
            raise DeadLetterSendFailed(self._topic, len(letters), type(err).__name__) from err


def private_append(path: Path) -> IO[bytes]:
    """``path`` opened for appending, created readable and writable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.chmod(path, 0o600)  # an older file made before this rule
    return os.fdopen(fd, "ab")


class FileDeadLetters:
    """Appends one JSON object per dead letter: reason, detail, source, line and the raw text.

    The file holds raw records (MACs, IPs), so it is created 0600 and synced to disk before
    ``send`` returns.
    """

    def __init__(self, path: Path) -> None:
        self._fh: IO[bytes] = private_append(path)

    def send(self, letters: list[DeadLetter]) -> None:
        for letter in letters:
            rec = letter.record
            try:
                raw: dict[str, str] = {"raw": rec.value.decode("utf-8")}
            except UnicodeDecodeError:
                raw = {"raw_base64": base64.b64encode(rec.value).decode()}
            line = {
                "reason": letter.reason,
                "detail": letter.detail,
                "source": rec.topic,
                "line": rec.offset + 1,
                **raw,
            }
            self._fh.write(orjson.dumps(line) + b"\n")
        self._fh.flush()
        if letters:
            os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()
