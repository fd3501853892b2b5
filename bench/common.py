"""What the benchmarks share: their own servers, their secret and their saved world."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import orjson

from generator.params import WorldParams
from generator.run import generate_to_dir
from generator.truth import truth_params
from hausgraph.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
WORLD_DIR = ROOT / "out" / "bench-world"


#: First of the benchmarks' ports (bolt +7, http -206, Kafka +1412, controller +1413 keep the historical
#: 27687/27474/29092/29093). Set ``HAUSGRAPH_BENCH_PORT_BASE`` to run two checkouts' benchmarks at once.
PORT_BASE = int(os.environ.get("HAUSGRAPH_BENCH_PORT_BASE", "27680"))


def bench_settings() -> Settings:
    """Servers of the benchmarks' own (state dir and ports apart from the dev/test servers)."""
    return Settings(
        pseudonym_secret=SECRET,
        state_dir=ROOT / ".hausgraph-bench",
        neo4j_bolt_port=PORT_BASE + 7,
        neo4j_http_port=PORT_BASE - 206,
        kafka_port=PORT_BASE + 1412,
        kafka_controller_port=PORT_BASE + 1413,
        neo4j_heap="2g",
        neo4j_pagecache="2g",
    )


def saved_world(params: WorldParams, out: Path = WORLD_DIR) -> Path:
    """``out`` holding the world of ``params``; generated when missing or made with other parameters
    (or by another generator version, which :func:`truth_params` records)."""
    saved = out / "truth.json"
    if not saved.exists() or orjson.loads(saved.read_bytes())["params"] != truth_params(params):
        generate_to_dir(params, out)
    return out


def _stat_cpu(stat: Path) -> float:
    """User + system CPU seconds in a ``/proc`` ``stat`` file (fields 14 and 15, after the name)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux ``/proc``)."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def thread_cpu(pid: int) -> Counter:
    """CPU seconds of a process's threads, grouped by thread name without its number."""
    out: Counter = Counter()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip().rstrip("0123456789#-").rstrip("_")
            out[name] += _stat_cpu(task / "stat")
        except OSError:
            continue  # the thread ended
    return out


def server_pids(settings: Settings) -> dict[str, int]:
    """Pids of the managed servers that run."""
    from hausgraph.servers import status

    return {s.name: s.pid for s in status(settings) if s.pid}
