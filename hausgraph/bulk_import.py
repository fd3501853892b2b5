"""``hausgraph ingest --bulk``: history files into an EMPTY managed Neo4j through ``neo4j-admin``.

Order: refuse early (inputs, external server, non-empty database, missing ``neo4j-admin``); note the
Kafka offsets where streaming resumes (``--kafka-resume``); write the CSV files
(:func:`ingest.bulk.build_files`) while Neo4j stops; ``neo4j-admin database import full``; start
Neo4j again (also when the files or the import failed); apply the schema migrations; write the ingest
offsets, stats and dead-letter counts with the same Cypher files streaming uses.

Dead letters are appended to the dead-letter file before the import (stored before the offsets, as
streaming does), with a pending mark beside the file holding its size before them. When the import
fails, or the process dies before it succeeds, the file is cut back to that size (at once, or by the
next run, which finds the mark and an empty database), so a retried import writes each letter once.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.admin import count_graph, migrate
from graph.client import GraphClient
from hausgraph.private_files import private_dir
from hausgraph.servers import start, stop
from hausgraph.servers.config import neo4j_admin_command
from hausgraph.servers.fetch import find_java
from hausgraph.servers.layout import server_paths
from hausgraph.servers.manager import is_managed
from hausgraph.settings import Settings
from ingest.bulk import BulkFiles, build_files, check_readable
from ingest.bulk_columns import FILES
from ingest.deadletters import FileDeadLetters
from ingest.errors import IngestError

__all__ = ["BulkRefused", "BulkReport", "admin_argv", "kafka_resume_offsets", "run_bulk"]

#: labels that may exist in a database the bulk path calls empty (schema bookkeeping, test marker)
_BOOKKEEPING = {"Migration", "HausgraphTestDatabase"}
#: neo4j-admin's "(2/4) Relationship import 2026-11-30 ..." stage lines and its "...  45% ∆1s" progress
_STAGE = re.compile(r"^\((\d+/\d+)\)\s+(.*?)(\s+\d{4}-\d\d-\d\d.*)?$")
_PERCENT = re.compile(r"\s(\d{1,3})%")


class BulkRefused(IngestError):
    """The bulk import cannot run here; the message says why in one line."""


@dataclass
class BulkReport:
    files: BulkFiles
    seconds: dict[str, float]
    offsets: list[dict[str, Any]]


def pending_mark(dead_path: Path) -> Path:
    """The mark beside ``dead_path`` of a bulk run whose dead letters no graph holds yet (its size before).

    >>> pending_mark(Path("/x/dead.jsonl")).name
    'dead.jsonl.bulk-pending'
    """
    return dead_path.with_name(dead_path.name + ".bulk-pending")


def mark_pending(dead_path: Path) -> None:
    """Note the dead-letter file's size before a bulk run appends its letters (synced to disk)."""
    size = dead_path.stat().st_size if dead_path.exists() else 0
    mark = pending_mark(dead_path)
    mark.parent.mkdir(parents=True, exist_ok=True)
    with mark.open("w") as fh:
        fh.write(str(size))
        fh.flush()
        os.fsync(fh.fileno())


def undo_pending(dead_path: Path) -> int:
    """Cut the dead-letter file back to the size its pending mark holds, remove the mark; bytes cut.

    Called when the import failed, and at the start of a run into an empty database (a run killed
    before its import succeeded left the mark). Without a mark, nothing happens.
    """
    mark = pending_mark(dead_path)
    if not mark.exists():
        return 0
    try:
        size = int(mark.read_text().strip() or 0)
    except ValueError:
        raise BulkRefused(f"{mark} is not a bulk run's pending mark (a size in bytes); remove it") from None
    cut = 0
    if dead_path.exists() and dead_path.stat().st_size > size:
        cut = dead_path.stat().st_size - size
        os.truncate(dead_path, size)
    mark.unlink()
    return cut


def done_pending(dead_path: Path) -> None:
    """The import succeeded: the appended dead letters belong to the loaded graph."""
    pending_mark(dead_path).unlink(missing_ok=True)


def _is_empty(client: GraphClient) -> tuple[bool, int]:
    counts = count_graph(client)["node"]
    n = sum(c for label, c in counts.items() if label not in _BOOKKEEPING)
    return n == 0, n


def admin_argv(java: str, paths, database: str, files: BulkFiles, threads: int, heap: str) -> list[str]:
    """The ``neo4j-admin database import full`` argv for ``files`` (run with NEO4J_HOME/CONF set)."""
    args = ["database", "import", "full", database, "--overwrite-destination=true"]
    for name, f in FILES.items():
        flag = "--nodes" if f.is_node else "--relationships"
        args.append(f"{flag}={name}=" + ",".join(str(p) for p in files.files[name]))
    args += [
        "--array-delimiter=U+001F",
        "--multiline-fields=true",
        "--bad-tolerance=0",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        f"--threads={threads}",
        f"--max-off-heap-memory={heap}",
        f"--report-file={files.dir / 'import.report'}",
    ]
    argv = neo4j_admin_command(java, paths, *args)
    return [f"-Xmx{heap}" if a == "-Xmx256m" else a for a in argv]


_CAUSES = (
    r"Import error:\s*(.+)",
    r"Caused by:\s*(.+)",
    r"\w+(?:Exception|Error):\s*(.+)",
    r"(?i)\berror\b|unknown|invalid|not found|denied|failed",
)


def _error_line(output: str) -> str:
    """The line of ``neo4j-admin``'s output that says what went wrong (progress dots stripped).

    >>> _error_line(".......... ..Critical error occurred!\\nImport error: Id 'x' is defined twice\\n")
    "Import error: Id 'x' is defined twice"
    >>> _error_line("Unknown option: '--bogus'\\nUsage: neo4j-admin")
    "Unknown option: '--bogus'"
    """
    lines = [ln.strip().lstrip(". ") for ln in output.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("at ")]
    for pattern in _CAUSES:
        for ln in lines:
            if re.search(pattern, ln) and "Critical error occurred" not in ln:
                return ln[:300]
    return lines[-1][:300] if lines else "no output"


def _run_admin(argv: list[str], paths, on_stage: Callable[[str, int], None]) -> float:
    """Run neo4j-admin, reporting its stages; returns the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "NEO4J_HOME": str(paths.home), "NEO4J_CONF": str(paths.conf_dir)}
    out: list[str] = []
    try:
        proc = subprocess.Popen(
            argv, env=env, cwd=paths.home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except OSError as err:
        raise BulkRefused(f"cannot run neo4j-admin: {err}") from None
    assert proc.stdout is not None
    with (paths.logs_dir / "bulk-import.log").open("w") as log:
        for line in proc.stdout:
            out.append(line)
            log.write(line)
            m = _STAGE.match(line.strip())
            if m:
                on_stage(f"{m.group(1)} {m.group(2)}", 0)
            elif (p := _PERCENT.search(line)) is not None:
                on_stage("", int(p.group(1)))
    code = proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        log_path = paths.logs_dir / "bulk-import.log"
        raise BulkRefused(f"neo4j-admin import failed: {_error_line(''.join(out))} (all of it: {log_path})")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def kafka_resume_offsets(bootstrap: str, topics: list[str], resume: str) -> dict[tuple[str, int], int]:
    """Where streaming resumes per partition of ``topics``: ``end`` (the files hold everything Kafka
    has now) or an RFC 3339 time (the first record at or after it; overlap is deduplicated by event id).
    """
    from kafka import KafkaConsumer, TopicPartition

    when_ms = None
    if resume != "end":
        try:
            when_ms = int(datetime.fromisoformat(resume.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise BulkRefused(
                f"--kafka-resume must be 'end', 'none' or an RFC 3339 time, not {resume!r}"
            ) from None
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        ends = consumer.end_offsets(parts) if parts else {}
        found = (
            consumer.offsets_for_times(dict.fromkeys(parts, when_ms)) if when_ms is not None and parts else {}
        )
    finally:
        consumer.close()
    out = {}
    for tp in parts:
        hit = found.get(tp)
        out[(tp.topic, tp.partition)] = hit.offset if hit is not None else ends[tp]
    return out


def _write_records(client: GraphClient, files: BulkFiles, kafka: dict, group: str, now_ms: int) -> list[dict]:
    offsets = [
        {
            "id": f"{g.group}|{g.topic}|0",
            "group": g.group,
            "topic": g.topic,
            "partition": 0,
            "next": g.next_offset,
        }
        for g in files.groups
    ] + [
        {"id": f"{group}|{t}|{p}", "group": group, "topic": t, "partition": p, "next": n}
        for (t, p), n in sorted(kafka.items())
    ]
    if offsets:
        client.run_write("ingest/write_offsets", rows=offsets, now=now_ms)
    # empty lists the importer cannot write (see the two .cypher files)
    client.run_autocommit("ingest/fill_bulk_day_lists")
    client.run_write("ingest/fill_bulk_plan_lists", genre_less=files.genre_less)
    dead_rows = files.dead.dead_letter_rows(now_ms)
    if dead_rows:
        client.run_write("ingest/add_dead_letters", rows=dead_rows)
    for g in files.groups:
        client.run_write(
            "ingest/add_stats", id=g.group, now=now_ms, valid=g.valid, invalid=g.invalid, fresh=g.fresh,
            late=g.late, duplicates=g.duplicates,
        )  # fmt: skip
    return offsets


def run_bulk(
    settings: Settings,
    client_factory: Callable[[], GraphClient],
    views: str | None,
    content: str | None,
    campaigns: str | None,
    secret: str,
    dead_path: Path,
    work_dir: Path,
    kafka_resume: str = "none",
    kafka_bootstrap: str | None = None,
    workers: int = 2,
    on_progress: Callable[[str, int], None] = lambda step, n: None,
    on_stage: Callable[[str, int], None] = lambda stage, percent: None,
    console: Any = None,
) -> BulkReport:
    """Load the files into the empty managed Neo4j; see the module docstring for the order."""
    for p in (views, content, campaigns):
        if p:
            check_readable(p)
    if not (views or content or campaigns):
        raise BulkRefused("nothing to load: name --bulk, --content-file or --campaigns-file")
    if not is_managed(settings, "neo4j"):
        raise BulkRefused(
            "--bulk needs the managed Neo4j (hausgraph servers); NEO4J_URI names another server"
        )
    paths = server_paths(settings, "neo4j")
    if not paths.lib_dir.is_dir() or not any(paths.lib_dir.glob("neo4j-import-tool*.jar")):
        raise BulkRefused(
            f"neo4j-admin is not there: no import tool jar in {paths.lib_dir} "
            "(hausgraph servers start fetches it)"
        )
    seconds: dict[str, float] = {}
    client = client_factory()
    try:
        empty, n = _is_empty(client)
        if not empty:
            raise BulkRefused(f"the database is not empty ({n:,} nodes); --bulk only loads into an empty one")
    finally:
        client.close()
    # a run killed before its import succeeded: its dead letters are in the file, in no graph
    undo_pending(dead_path)
    kafka: dict[tuple[str, int], int] = {}
    if kafka_resume != "none":
        if not kafka_bootstrap:
            raise BulkRefused("--kafka-resume needs Kafka")
        topics = [settings.topic_views, settings.topic_content, settings.topic_campaigns]
        kafka = kafka_resume_offsets(kafka_bootstrap, topics, kafka_resume)
    now_ms = int(time.time() * 1000)
    t0 = time.perf_counter()
    if work_dir.exists():
        shutil.rmtree(work_dir)
    private_dir(work_dir)  # spill files hold raw lines until their partition is prepared
    # Neo4j's shutdown (a checkpoint and the JVM's exit, 5-8 s) runs while the files are built: the
    # database was found empty, and nothing may write to it during the load anyway.
    stopper = ThreadPoolExecutor(1, thread_name_prefix="neo4j-stop")
    stopping = stopper.submit(stop, settings, ["neo4j"])
    try:
        imported = False
        failed: BulkRefused | None = None
        try:
            files = build_files(
                work_dir, views, content, campaigns, secret, now_ms, settings.ingest_batch_size, workers,
                on_progress=on_progress,
            )  # fmt: skip
            seconds["files"] = time.perf_counter() - t0
            mark_pending(dead_path)
            sink = FileDeadLetters(dead_path)
            try:
                sink.send(files.dead.dead)
            finally:
                sink.close()
            java = find_java()
            t0 = time.perf_counter()
            stopping.result()
            seconds["stop"] = time.perf_counter() - t0  # what the stop still took after the files
            t0 = time.perf_counter()
            try:
                argv = admin_argv(
                    java, paths, settings.neo4j_database, files, max(workers, 2), settings.bulk_import_memory
                )
                seconds["import_cpu"] = _run_admin(argv, paths, on_stage)
                imported = True
                done_pending(dead_path)
            except BulkRefused as err:
                # the import overwrote the (empty) database and left no usable store: drop it, so the
                # server starts with a new empty one
                failed = err
                for sub in ("databases", "transactions"):
                    shutil.rmtree(paths.data_dir / sub / settings.neo4j_database, ignore_errors=True)
            finally:
                seconds["import"] = time.perf_counter() - t0
        finally:
            wait([stopping])  # also when the files failed: the server comes back either way
            stopper.shutdown()
            t0 = time.perf_counter()
            start(settings, ["neo4j"], console)
            seconds["start"] = time.perf_counter() - t0
            if not imported:
                undo_pending(dead_path)  # no graph holds these letters: a retry writes them once again
        t0 = time.perf_counter()
        client = client_factory()
        try:
            on_stage("schema and indexes", 0)
            migrate(client)
            if failed is not None:
                raise BulkRefused(f"{failed}; the database is empty again") from None
            seconds["schema"] = time.perf_counter() - t0
            offsets = _write_records(client, files, kafka, settings.consumer_group, now_ms)
        finally:
            client.close()
        return BulkReport(files, seconds, offsets)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
