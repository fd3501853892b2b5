"""Benchmark: ``hausgraph ingest --bulk`` (neo4j-admin import) of the saved bench world.

Usage (wipes the graph of the benchmark's own Neo4j, hence --yes; run under the heavy-run lock):

    flock /tmp/hausgraph-heavy.lock python bench/ingest_bulk.py --households 1000 --days 14 --yes

Prints events/s end to end (first line read to schema applied and offsets written) and where the
time went: catalog, split by device (spill), prepare + CSV in ``--workers`` processes (wall, and the
CPU seconds of each part summed over workers), shared nodes, Neo4j stop, ``neo4j-admin import``,
Neo4j start, schema (constraints and indexes built on the loaded graph); memory of this process,
of the largest child (a prepare worker or neo4j-admin) and of Neo4j after the load.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import SECRET, bench_settings, saved_world, server_pids  # noqa: E402
from generator.params import WorldParams  # noqa: E402
from graph.admin import count_graph, reset  # noqa: E402
from hausgraph.bulk_import import run_bulk  # noqa: E402
from hausgraph.runtime import graph_client  # noqa: E402
from hausgraph.servers import ensure_started, start  # noqa: E402


def _rss_mb(pid: int | str = "self", key: str = "VmHWM:") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key):
            return round(int(line.split()[1]) / 1024)
    return -1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory", default="2g", help="neo4j-admin heap and off-heap cap")
    ap.add_argument("--neo4j-memory", default="1g", help="the bench Neo4j's heap and page cache (each)")
    ap.add_argument("--yes", action="store_true", help="allow wiping the graph")
    args = ap.parse_args()
    if not args.yes:
        sys.exit("this benchmark empties the benchmark's Neo4j; pass --yes")
    mem = args.neo4j_memory
    settings = bench_settings().model_copy(
        update={"bulk_import_memory": args.memory, "neo4j_heap": mem, "neo4j_pagecache": mem}
    )
    world = saved_world(WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET))
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    reset(client)
    client.close()
    lines = sum(1 for _ in (world / "events.jsonl").open("rb"))
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    report = run_bulk(
        settings,
        lambda: graph_client(settings, conn),
        str(world / "events.jsonl"),
        str(world / "content.jsonl"),
        str(world / "campaigns.jsonl"),
        SECRET,
        ROOT / "out" / "bench-bulk-dead-letters.jsonl",
        ROOT / "out" / "bench-bulk-import",
        workers=args.workers,
    )
    elapsed = time.monotonic() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start(settings, ["neo4j"])
    client = graph_client(settings, conn)
    counts = count_graph(client)
    client.close()
    view = next(g for g in report.files.groups if g.group == "file:view")
    s = {**report.files.seconds, **report.seconds}
    data_path = elapsed - s["stop"] - s["start"]
    out = {
        "lines": lines,
        "events_stored": view.fresh,
        "dead_letters": view.invalid,
        "seconds": round(elapsed, 1),
        "lines_per_s_end_to_end": round(lines / elapsed),
        "lines_per_s_without_server_restart": round(lines / data_path),
        "lines_per_s_files_only": round(lines / s["files"]),
        "phases_s": {k: round(v, 1) for k, v in s.items()},
        "cpu_s": {
            "bench_process": round(
                cpu1[0].ru_utime + cpu1[0].ru_stime - cpu0[0].ru_utime - cpu0[0].ru_stime, 1
            ),
            "children": round(cpu1[1].ru_utime + cpu1[1].ru_stime - cpu0[1].ru_utime - cpu0[1].ru_stime, 1),
        },
        "peak_rss_mb": {
            "bench_process": _rss_mb(),
            "largest_child": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
            "neo4j_after": _rss_mb(server_pids(settings)["neo4j"], "VmRSS:"),
        },
        "graph": counts,
        "workers": args.workers,
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
