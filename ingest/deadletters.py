"""Where rejected records go: the ``views.dlq`` topic or a JSON Lines file, originals intact."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import IO, Protocol

import orjson

from ingest.batch import DeadLetter

__all__ = ["DeadLetterSink", "FileDeadLetters", "KafkaDeadLetters", "dead_letter_headers"]


class DeadLetterSink(Protocol):
    def send(self, letters: list[DeadLetter]) -> None:
        """Store ``letters`` durably before the batch's offsets are committed."""


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
    """Produces each dead letter to ``topic`` and flushes before returning."""

    def __init__(self, producer, topic: str) -> None:  # producer: kafka.KafkaProducer
        self._producer = producer
        self._topic = topic

    def send(self, letters: list[DeadLetter]) -> None:
        for letter in letters:
            self._producer.send(self._topic, value=letter.record.value, headers=dead_letter_headers(letter))
        if letters:
            self._producer.flush()


class FileDeadLetters:
    """Appends one JSON object per dead letter: reason, detail, source, line and the raw text."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = path.open("ab")

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

    def close(self) -> None:
        self._fh.close()
