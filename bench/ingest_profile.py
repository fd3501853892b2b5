"""Where ingest time goes: the pure preparation, each Neo4j statement, the commit, and CPU by process.

    python bench/ingest_profile.py --events 300000 --batch 5000,20000 --ceiling --yes

Reads the saved benchmark world (``out/bench-world``, generated when missing) without Kafka, so
only preparation and the Neo4j writes are measured. For each batch size: an empty graph, then the
first ``--events`` lines through ``prepare`` + ``write_batch`` as the ingester does them, one
transaction per batch, with the wall time of every statement, the rest of the transaction
(begin + commit), and the CPU seconds of Neo4j's threads (query workers, GC, JIT) and of this
process. ``--ceiling`` adds a run whose relationship writes are plain CREATEs without
relationship indexes: what Neo4j costs for the same data with no idempotency at all.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import SECRET, bench_settings, saved_world, server_pids, thread_cpu  # noqa: E402
from cypher import split_statements  # noqa: E402
from generator.params import WorldParams  # noqa: E402
from graph.admin import migrate, reset  # noqa: E402
from graph.client import GraphClient  # noqa: E402
from hausgraph.runtime import graph_client, pseudonymizer  # noqa: E402
from hausgraph.servers import ensure_started  # noqa: E402
from ingest.batch import prepare  # noqa: E402
from ingest.file_source import chunks, file_records  # noqa: E402
from ingest.sink import write_batch  # noqa: E402

HERE = Path(__file__).resolve().parent
CEILING = {
    "ingest/merge_seen_on": "ceiling_seen_on",
    "ingest/merge_device_days": "ceiling_device_days",
    "ingest/merge_exposed_on": "ceiling_exposed_on",
}
#: the per-day aggregate's statements (DeviceDay, EXPOSED_ON and the campaigns they point at)
AGGREGATE = ("ingest/merge_device_days", "ingest/merge_exposed_on", "ingest/merge_campaign_ids")
CEILING_TITLE = "ceiling (plain creates, no relationship indexes)"


@dataclass
class TimedClient(GraphClient):
    """The real client, timing every statement run inside a transaction; ``swap`` replaces queries."""

    spent: Counter = field(default_factory=Counter)
    swap: dict[str, str] = field(default_factory=dict)

    def tx_run(self, tx, name: str, /, **params: Any) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        if name in self.swap:
            rows = [r.data() for r in tx.run(self.swap[name], params)]
        else:
            rows = super().tx_run(tx, name, **params)
        self.spent[name] += time.perf_counter() - t0
        return rows


def _text(name: str) -> str:
    return (HERE / "cypher" / f"{name}.cypher").read_text()


def run(client: TimedClient, pseudo, lines: Path, events: int, batch: int, neo4j_pid: int) -> dict:
    cpu0, py0 = thread_cpu(neo4j_pid), time.process_time()
    prep_s = write_s = 0.0
    t0 = time.perf_counter()
    with lines.open("rb") as stream:
        for chunk in chunks(itertools.islice(file_records(stream, lines.name), events), batch):
            t = time.perf_counter()
            now = int(time.time() * 1000)
            prep = prepare(chunk, pseudo, now)
            prep_s += time.perf_counter() - t
            t = time.perf_counter()
            write_batch(client, prep, "profile", now)
            write_s += time.perf_counter() - t
    wall = time.perf_counter() - t0
    cpu = thread_cpu(neo4j_pid)
    cpu.subtract(cpu0)
    return {
        "events_per_s": round(events / wall),
        "wall_s": round(wall, 1),
        "prepare_s": round(prep_s, 1),
        "write_s": round(write_s, 1),
        "statements_s": {k: round(v, 2) for k, v in client.spent.most_common()},
        "begin_commit_s": round(write_s - sum(client.spent.values()), 1),
        "aggregate_share_of_statements": round(
            sum(client.spent[k] for k in AGGREGATE) / max(sum(client.spent.values()), 1e-9), 3
        ),
        "neo4j_cpu_s": {k: round(v, 1) for k, v in cpu.most_common() if v >= 0.2},
        "neo4j_cpu_us_per_event": round(sum(cpu.values()) / events * 1e6),
        "python_cpu_s": round(time.process_time() - py0, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--batch", default="5000,20000", help="comma-separated batch sizes")
    ap.add_argument("--ceiling", action="store_true", help="also run the CREATE-only ceiling")
    ap.add_argument("--yes", action="store_true", help="allow wiping the benchmark graph")
    args = ap.parse_args()
    if not args.yes:
        sys.exit("this benchmark empties the benchmark servers' graph; pass --yes")
    settings = bench_settings()
    conn = ensure_started(settings)
    base = graph_client(settings, conn)
    pid = server_pids(settings)["neo4j"]
    pseudo = pseudonymizer(settings)
    world = saved_world(WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET))
    plans = [(int(b), False) for b in args.batch.split(",")]
    if args.ceiling:
        plans.append((plans[-1][0], True))
    # warm-up: the JIT compiles the write path on the first batches; not measured
    reset(base)
    migrate(base)
    run(
        TimedClient(base.driver, base.database),
        pseudo,
        world / "events.jsonl",
        min(args.events, 40_000),
        5000,
        pid,
    )
    for batch, ceiling in plans:
        reset(base)
        migrate(base)
        client = TimedClient(base.driver, base.database)
        if ceiling:
            _drop_relationship_indexes(base)
            client.swap = {name: _text(file) for name, file in CEILING.items()}
        figures = run(client, pseudo, world / "events.jsonl", args.events, batch, pid)
        print(f"{CEILING_TITLE if ceiling else 'ingest'} batch {batch}:")
        for key, value in figures.items():
            print(f"  {key}: {value}")
    reset(base)
    migrate(base)


def _drop_relationship_indexes(client: GraphClient) -> None:
    with client.driver.session(database=client.database) as session:
        for statement in split_statements(_text("drop_relationship_indexes")):
            session.run(statement).consume()


if __name__ == "__main__":
    main()
