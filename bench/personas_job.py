"""The personas job through Neo4j: device days of a generated world in the bench's own Neo4j, then timed runs.

    flock /tmp/hausgraph-heavy.lock .venv/bin/python bench/personas_job.py [--households 1000 --days 28]

Devices, households, content and the device days of all but the last day are seeded directly
(``bench/cypher``: plain creates of the ``DeviceDay`` shape ingest writes); the last day goes through
ingest's own ``ingest/merge_device_days``. Then the job runs
as ``hausgraph jobs run personas`` does (``run_job``): a first run, a rerun on the same data, an
incremental run after one more day of events; and one run outside the job record with every query
timed (reads of the device days, the core, the writes).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bench_settings
from bench.personas import world_events
from generator.params import variant_params
from generator.pipeline import Generation
from generator.truth import build_truth
from graph.admin import migrate, reset
from graph.client import GraphClient
from graph.device_days import catalog_meta, device_days_from_events
from graph.jobs import JobContext, run_job
from graph.jobs.personas import run_personas_job
from graph.params import GraphParams
from graph.vocabulary import DAY_MS
from hausgraph.runtime import graph_client
from hausgraph.servers import ensure_started
from ingest.rows import relationship_key

HERE = Path(__file__).resolve().parent


@dataclass
class TimedClient(GraphClient):
    """The real client, timing every named read and write."""

    spent: Counter = field(default_factory=Counter)

    def read(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        try:
            return super().read(name, **params)
        finally:
            self.spent[name] += time.perf_counter() - t0

    def read_plain(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        t0 = time.perf_counter()
        try:
            return super().read_plain(name, **params)
        finally:
            self.spent[name] += time.perf_counter() - t0

    def write(self, name: str, rows, /, batch_size: int = 5000, **params: Any) -> int:
        t0 = time.perf_counter()
        try:
            return super().write(name, rows, batch_size, **params)
        finally:
            self.spent[name] += time.perf_counter() - t0

    def tx_run(self, tx, name: str, /, **params: Any) -> list[dict[str, Any]]:
        """The job's writes come here (fenced: one transaction with the lease check)."""
        t0 = time.perf_counter()
        try:
            return super().tx_run(tx, name, **params)
        finally:
            self.spent[name] += time.perf_counter() - t0


def _timed_run(client: TimedClient, label: str, gp: GraphParams, incremental: bool = False) -> None:
    """One run as ``hausgraph jobs run personas`` runs it, with where its time went."""
    client.spent.clear()
    t0 = time.perf_counter()
    ctx = run_job(client, "personas", gp, incremental=incremental)
    total = time.perf_counter() - t0
    queries = sum(client.spent.values())
    print(f"{label:<28} {total:6.1f}s: queries {queries:.1f}s, core and the rest {total - queries:.1f}s")
    for name, s in client.spent.most_common():
        if s >= 0.05:
            print(f"  {name:<34} {s:6.1f}s")
    print(f"  counts {dict(ctx.counts)}")


def _seed(client: GraphClient, name: str, rows: list[dict]) -> None:
    text = (HERE / "cypher" / f"{name}.cypher").read_text()
    for i in range(0, len(rows), 5000):
        client.driver.execute_query(text, rows=rows[i : i + 5000], database_=client.database)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    settings = bench_settings()
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    reset(client)
    migrate(client)
    params = variant_params("default", households=a.households, days=a.days, seed=a.seed)
    gen = Generation(params)
    events = world_events(gen)
    truth = build_truth(gen)
    cat = gen.world.catalog.records
    rows = device_days_from_events(events, catalog_meta(cat))
    hh = {d["key"]: d["household"] for d in truth["devices"]}
    types = {r["device"]: r.get("device_type") for r in rows}
    _seed(
        client,
        "seed_persona_devices",
        [{"device": k, "type": t, "household": hh[k]} for k, t in types.items()],
    )
    _seed(
        client,
        "seed_persona_content",
        [{"id": r["content_id"], "kind": r["kind"], "series_id": r.get("series_id")} for r in cat],
    )
    last_day = params.day_start_ms(a.days - 1)
    day_rows = [{**r, "id": relationship_key(r["device"], "day", r["day"])} for r in rows]
    before = [r for r in day_rows if r["day"] < last_day]
    t0 = time.perf_counter()
    _seed(client, "seed_persona_device_days", before)
    print(f"seeded {len(types):,} devices, {len(before):,} device days in {time.perf_counter() - t0:.1f}s")
    gp = GraphParams()
    timed = TimedClient(client.driver, client.database, timeout=client.timeout)
    _timed_run(timed, "first run", gp)
    _timed_run(timed, "rerun, same data", gp)
    client.write("ingest/merge_device_days", [r for r in day_rows if r["day"] >= last_day], batch_size=2000)
    # (the last day through ingest's own merge: what the job reads is what ingest writes)
    client.driver.execute_query(
        "MATCH (d:Device)-[:ACTIVE_ON]->(x:DeviceDay {day: $day}) SET d.ingested = timestamp()",
        day=last_day,
        database_=client.database,
    )
    _timed_run(timed, "incremental, one more day", gp, incremental=True)
    timed.spent.clear()
    ctx = JobContext(timed, "bench-run", "personas", {}, shared={})
    t0 = time.perf_counter()
    run_personas_job(ctx, gp)
    total = time.perf_counter() - t0
    queries = sum(timed.spent.values())
    print(f"{'full run, queries timed':<28} {total:6.1f}s: core and rest {total - queries:.1f}s")
    for name, s in timed.spent.most_common():
        print(f"  {name:<34} {s:6.1f}s")
    print(f"  counts {dict(ctx.counts)}  (as of {last_day // DAY_MS})")


if __name__ == "__main__":
    main()
