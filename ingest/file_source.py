"""The same pipeline from a JSON Lines file (optionally gzip) or stdin."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ingest.batch import SourceRecord

__all__ = ["chunks", "file_records", "open_lines"]


def open_lines(path: str) -> BinaryIO:
    """A binary stream of ``path``; ``-`` is stdin, ``*.gz`` is decompressed."""
    if path == "-":
        return sys.stdin.buffer
    p = Path(path)
    if p.suffix == ".gz":
        return gzip.open(p, "rb")  # type: ignore[return-value]
    return p.open("rb")


def file_records(stream: BinaryIO, name: str, kind: str = "view") -> Iterator[SourceRecord]:
    """One record per non-blank line; the offset is the 0-based line number."""
    for number, line in enumerate(stream):
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield SourceRecord(kind=kind, value=line, topic=name, partition=0, offset=number)


def chunks(records: Iterator[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    """Lists of at most ``size`` records."""
    chunk: list[SourceRecord] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
