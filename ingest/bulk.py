"""Bulk history: files → ``prepare`` per device partition → CSV files for ``neo4j-admin database import``.

Steps (each reports progress through ``on_progress(step, n)``):

1. :func:`spill`: the event file's lines go to ``parts`` spill files by a hash of the device's
   normalized MAC (a line without a readable MAC goes to partition 0: it is a dead letter anyway).
2. :func:`prepare_catalog`: catalog and campaign files through ``prepare`` in batches of the
   streaming batch size, folded as the MERGEs fold them.
3. :func:`prepare_partition` (in worker processes): one partition through ``prepare`` as one batch,
   its device-keyed rows (:func:`ingest.bulk_rows.partition_rows`) written as CSV parts.
4. The shared nodes (Network, Content, Campaign) merged across partitions and written once.

The result, :class:`BulkFiles`, names the CSV files per label/type and carries what the shell writes
with Cypher after the import: offsets, stats and dead-letter counts.
"""

from __future__ import annotations

import csv
import io
import os
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson

from ingest.batch import Prepared, SourceRecord, prepare
from ingest.bulk_columns import FILES, csv_row, header
from ingest.bulk_rows import catalog_meta, content_nodes, fold_catalog, merge_networks, partition_rows
from ingest.contract import normalize_mac
from ingest.errors import IngestError
from ingest.file_source import chunks, file_records, open_lines
from ingest.pseudonym import Pseudonymizer

__all__ = [
    "BulkFiles",
    "GroupTotals",
    "UnreadableInput",
    "build_files",
    "check_readable",
    "device_partition",
    "prepare_partition",
    "spill",
]

_REC = struct.Struct("<qI")
#: the device-keyed files every partition writes a part of
#: spill files open at once (a partition then holds more than ``per_part`` records)
MAX_PARTITIONS = 512
PARTITION_FILES = ("Device", "SEEN_ON", "DeviceDay", "ACTIVE_ON", "EXPOSED_ON")


class UnreadableInput(IngestError):
    """An input file is missing or cannot be read."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"cannot read {path}: {reason}")


@dataclass
class GroupTotals:
    """What ``add_stats`` adds for one source (``file:view`` ...), and the offset it stores."""

    group: str
    topic: str
    next_offset: int = 0
    valid: int = 0
    invalid: int = 0
    fresh: int = 0
    late: int = 0
    duplicates: int = 0
    batches: int = 0


@dataclass
class BulkFiles:
    """The CSV files per label/type, and the records written with Cypher after the import."""

    dir: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    groups: list[GroupTotals] = field(default_factory=list)
    dead: Prepared = field(default_factory=Prepared)  # only its dead letters and erased count
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    #: catalog content whose genres list is empty (the importer leaves it out; set to [] after)
    genre_less: list[str] = field(default_factory=list)


def check_readable(path: str) -> None:
    """Refuse a missing or unreadable file (and a gzip file that is not gzip) with one line."""
    p = Path(path)
    if not p.is_file():
        raise UnreadableInput(path, "no such file")
    try:
        with open_lines(path) as stream:
            stream.read(1)
    except OSError as err:
        raise UnreadableInput(path, err.strerror or str(err)) from None
    except EOFError as err:
        raise UnreadableInput(path, f"truncated ({err})") from None


def device_partition(line: bytes, parts: int) -> int:
    r"""The partition of a raw event line: a hash of its normalized MAC (0 when it has none).

    >>> a = device_partition(b'{"mac": "A4:5E:60:0F:12:9C"}', 8)
    >>> a == device_partition(b'{"mac": "a45e.600f.129c", "ts": 1}', 8), device_partition(b'nope', 8)
    (True, 0)
    >>> a == device_partition(b'{"mac": "x", "m\\u0061c": "A4:5E:60:0F:12:9C"}', 8)  # the last key wins
    True
    """
    try:
        mac = normalize_mac(orjson.loads(line)["mac"])
    except Exception:  # noqa: BLE001 - whatever is wrong with the line, prepare dead-letters it
        return 0
    return zlib.crc32(mac.encode()) % parts


def spill(path: str, parts: int, out: Path, on_line: Callable[[int], None]) -> tuple[list[Path], int, int]:
    """Split the event file into ``parts`` spill files by device; (files, records, next offset)."""
    files = [out / f"spill-{i:04d}.bin" for i in range(parts)]
    handles = [f.open("wb", buffering=1 << 20) for f in files]
    n = nxt = 0
    try:
        with open_lines(path) as stream:
            for rec in file_records(stream, path, "view"):
                line = rec.value
                handles[device_partition(line, parts)].write(_REC.pack(rec.offset, len(line)) + line)
                n += 1
                nxt = rec.offset + 1
                if n % 50_000 == 0:
                    on_line(50_000)
    finally:
        for h in handles:
            h.close()
    on_line(n % 50_000)
    return files, n, nxt


def _read_spill(path: Path, topic: str) -> Iterator[SourceRecord]:
    data = path.read_bytes()
    pos, size = 0, _REC.size
    while pos < len(data):
        offset, length = _REC.unpack_from(data, pos)
        pos += size
        yield SourceRecord("view", data[pos : pos + length], topic, 0, offset)
        pos += length


#: stands for an empty string while a row is formatted (a lone surrogate: no parsed JSON text holds one)
_EMPTY = "\udcff"


def _write_csv(path: Path, rows: list[list[Any]]) -> None:
    """Rows as CSV; ``None`` is an empty field (no property), ``""`` a quoted one (an empty string)."""
    buf = io.StringIO()
    quoted = csv.writer(buf, lineterminator="\n")
    with path.open("w", newline="", encoding="utf-8") as fh:
        plain = csv.writer(fh, lineterminator="\n")
        for row in rows:
            if "" in row:
                quoted.writerow([_EMPTY if c == "" else c for c in row])
                fh.write(buf.getvalue().replace(_EMPTY, '""'))
                buf.seek(0)
                buf.truncate()
            else:
                plain.writerow(row)


_WORKER: dict[str, Any] = {}


def _init_worker(secret: str, now_ms: int, meta: dict[str, dict[str, Any]], topic: str) -> None:
    """What every partition of a worker shares, sent once per process (the catalog can be large)."""
    _WORKER.update(pseudo=Pseudonymizer(secret), now_ms=now_ms, meta=meta, topic=topic)


def prepare_partition(args: tuple[Path, int, Path]) -> dict[str, Any]:
    """Worker: one spill file through ``prepare`` (one batch) and its device-keyed CSV parts."""
    spill_path, index, out_dir = args
    now_ms, meta, topic = _WORKER["now_ms"], _WORKER["meta"], _WORKER["topic"]
    t0 = time.process_time()
    records = list(_read_spill(spill_path, topic))
    prep = prepare(records, _WORKER["pseudo"], now_ms)
    t1 = time.process_time()
    rows = partition_rows(prep, meta, now_ms)
    written: dict[str, Path] = {}
    for name in PARTITION_FILES:
        path = out_dir / f"{name}-{index:04d}.csv"
        _write_csv(path, [csv_row(FILES[name], r) for r in rows[name]])
        written[name] = path
    t2 = time.process_time()
    spill_path.unlink()
    return {
        "files": written,
        "networks": rows["networks"],
        "content_ids": rows["content_ids"],
        "campaign_ids": rows["campaign_ids"],
        "dead": prep.dead,
        "erased": prep.erased,
        "valid": prep.valid,
        "valid_views": prep.valid_views,
        "late": prep.late,
        "fresh": rows["fresh"],
        "records": len(records),
        "counts": {k: len(rows[k]) for k in PARTITION_FILES},
        "prepare_s": t1 - t0,
        "csv_s": t2 - t1,
    }


def prepare_catalog(
    path: str | None, kind: str, pseudo: Pseudonymizer, now_ms: int, batch: int, totals: GroupTotals
) -> tuple[list[Prepared], dict[str, dict[str, Any]]]:
    """Catalog or campaign records through ``prepare`` in streaming-sized batches, folded as the
    MERGEs fold them: content keeps earlier values for fields a later record leaves out, a campaign
    record replaces the plan."""
    folded: dict[str, dict[str, Any]] = {}
    preps: list[Prepared] = []
    if not path:
        return preps, folded
    with open_lines(path) as stream:
        for chunk in chunks(file_records(stream, path, kind), batch):
            prep = prepare(chunk, pseudo, now_ms)
            preps.append(prep)
            if kind == "content":
                fold_catalog(folded, prep.content)
            else:
                folded.update((r["id"], {**r, "described": True, "updated": now_ms}) for r in prep.campaigns)
            totals.valid += prep.valid
            totals.invalid += len(prep.dead)
            totals.batches += 1
            totals.next_offset = max(totals.next_offset, *(n for n in prep.next_offsets.values()))
    return preps, folded


def _partitions(records: int, workers: int, per_part: int) -> int:
    """Enough partitions that one holds about ``per_part`` records, a multiple of the workers.

    >>> _partitions(10, 2, 200_000), _partitions(1_000_000, 2, 200_000)
    (2, 6)
    """
    n = min(max(1, -(-records // per_part)), MAX_PARTITIONS)
    return max(workers, -(-n // workers) * workers)


def build_files(
    out: Path,
    views: str | None,
    content: str | None,
    campaigns: str | None,
    secret: str,
    now_ms: int,
    batch: int,
    workers: int = 2,
    per_part: int = 200_000,
    on_progress: Callable[[str, int], None] = lambda step, n: None,
) -> BulkFiles:
    """Prepare every input and write the import's CSV files into ``out`` (created)."""
    for p in (views, content, campaigns):
        if p:
            check_readable(p)
    out.mkdir(parents=True, exist_ok=True)
    result = BulkFiles(out)
    pseudo = Pseudonymizer(secret)
    t0 = time.perf_counter()
    groups = {
        k: GroupTotals(f"file:{k}", str(p)) for k, p in (("content", content), ("campaign", campaigns)) if p
    }
    cat_preps, catalog = prepare_catalog(
        content, "content", pseudo, now_ms, batch, groups.get("content", GroupTotals("", ""))
    )
    camp_preps, plans = prepare_catalog(
        campaigns, "campaign", pseudo, now_ms, batch, groups.get("campaign", GroupTotals("", ""))
    )
    for p in cat_preps + camp_preps:
        result.dead.dead.extend(p.dead)
    result.seconds["catalog"] = time.perf_counter() - t0

    networks: dict[str, dict[str, Any]] = {}
    content_ids: set[str] = set()
    campaign_ids: set[str] = set(plans)
    parts_out: dict[str, list[Path]] = {k: [] for k in PARTITION_FILES}
    if views:
        t0 = time.perf_counter()
        size = os.path.getsize(views)
        est = size // 250 if not views.endswith(".gz") else size // 40  # a guess: only the partition count
        parts = _partitions(est, workers, per_part)
        c0 = time.process_time()
        spills, _, nxt = spill(views, parts, out, lambda k: on_progress("spill", k))
        result.seconds["spill"] = time.perf_counter() - t0
        result.seconds["spill_cpu"] = time.process_time() - c0
        t0 = time.perf_counter()
        g = groups["view"] = GroupTotals("file:view", str(views), next_offset=nxt, batches=parts)
        meta = catalog_meta(catalog)
        jobs = [(s, i, out) for i, s in enumerate(spills)]
        prep_s = csv_s = 0.0
        ctx = get_context("spawn")  # no fork of a process that holds driver threads
        init = (secret, now_ms, meta, str(views))
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=init) as pool:
            for r in pool.map(prepare_partition, jobs):
                for k, p in r["files"].items():
                    parts_out[k].append(p)
                merge_networks(networks, r["networks"])
                content_ids |= r["content_ids"]
                campaign_ids |= r["campaign_ids"]
                result.dead.dead.extend(r["dead"])
                result.dead.erased += r["erased"]
                g.valid += r["valid"]
                g.invalid += len(r["dead"])
                g.fresh += r["fresh"]
                # ``late`` stays 0: it measures delivery delay within a streaming batch; history has none
                g.duplicates += r["valid_views"] - r["fresh"]
                for k, c in r["counts"].items():
                    result.counts[k] = result.counts.get(k, 0) + c
                prep_s += r["prepare_s"]
                csv_s += r["csv_s"]
                on_progress("prepare", r["records"])
        result.seconds["partitions"] = time.perf_counter() - t0
        result.seconds["prepare_cpu"] = prep_s
        result.seconds["csv_cpu"] = csv_s
    t0 = time.perf_counter()
    shared = {
        "Network": [networks[k] for k in sorted(networks)],
        "Content": content_nodes(catalog, content_ids),
        "Campaign": [plans.get(k, {"id": k}) for k in sorted(campaign_ids)],
    }
    result.genre_less = [r["content_id"] for r in shared["Content"] if r.get("genres") == []]
    for name, rows in shared.items():
        path = out / f"{name}-shared.csv"
        _write_csv(path, [csv_row(FILES[name], r) for r in rows])
        result.files[name] = [path]
        result.counts[name] = len(rows)
    for name, paths in parts_out.items():
        result.files[name] = paths
    for name, f in FILES.items():
        head = out / f"{name}-header.csv"
        _write_csv(head, [header(f)])
        result.files[name] = [head, *result.files.get(name, [])]
    result.dead.dead.sort(key=lambda d: (d.record.topic, d.record.offset))  # file order, as streaming
    result.seconds["shared"] = time.perf_counter() - t0
    result.groups = [groups[k] for k in ("content", "campaign", "view") if k in groups]
    return result
