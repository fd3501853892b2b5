"""Benchmark: the whole graph-job chain on a generated world, with Neo4j reads and writes.

    python bench/jobs.py --households 1000 --days 14 --yes

Loads the world into an empty graph of the benchmark's own servers (unless --skip-load), then
times each job (and each step: read, pure core, write via the run records' counts), the peak
memory of this process, the ingest-to-household latency of an incremental run after one new
ingest batch, and the stability of household ids when 10% more days arrive.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.common import SECRET, WORLD_DIR, bench_settings, saved_world  # noqa: E402
from generator.evaluate import evaluate_files  # noqa: E402
from generator.params import WorldParams  # noqa: E402
from graph.admin import migrate, reset  # noqa: E402
from graph.export import households_csv, links_csv  # noqa: E402
from graph.jobs import run_job  # noqa: E402
from hausgraph.runtime import graph_client, pseudonymizer  # noqa: E402
from hausgraph.servers import ensure_started  # noqa: E402
from ingest.batch import SourceRecord, prepare  # noqa: E402
from ingest.file_source import chunks, file_records, open_lines  # noqa: E402
from ingest.sink import write_batch  # noqa: E402


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def load(client, pseudo, files: list[tuple[Path, str]], max_ts: int | None = None) -> int:
    n = 0
    for path, kind in files:
        with open_lines(str(path)) as stream:
            for chunk in chunks(file_records(stream, path.name, kind), 5000):
                now = int(time.time() * 1000)
                if max_ts is not None:
                    chunk = [r for r in chunk if _ts(r) <= max_ts]
                n += write_batch(client, prepare(chunk, pseudo, now), "bench", now).fresh
    return n


def _ts(rec: SourceRecord) -> int:
    try:
        ts = orjson.loads(rec.value).get("ts")
    except (orjson.JSONDecodeError, AttributeError):
        return 0
    if isinstance(ts, int):
        return ts
    from ingest.contract import parse_ts

    try:
        return parse_ts(ts, 2**62)
    except Exception:
        return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--out", type=Path, default=WORLD_DIR)
    ap.add_argument("--skip-load", action="store_true")
    ap.add_argument("--yes", action="store_true")
    ap.add_argument(
        "--incremental-lines",
        type=int,
        default=300,
        help="events in the new ingest batch before the incremental run",
    )
    args = ap.parse_args()
    settings = bench_settings()
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    pseudo = pseudonymizer(settings)
    params = WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET)
    saved_world(params, args.out)
    truth = orjson.loads((args.out / "truth.json").read_bytes())
    files = [(args.out / "content.jsonl", "content"), (args.out / "events.jsonl", "view")]
    if not args.skip_load:
        if not args.yes:
            sys.exit("this benchmark empties the benchmark servers' graph; pass --yes")
        reset(client)
        migrate(client)
        # stability: first ~90% of the days, a full run, then the rest
        cut = params.day_start_ms(int(args.days * 10 / 11))
        t0 = time.monotonic()
        load(client, pseudo, files, max_ts=cut)
        print(f"loaded first {int(args.days * 10 / 11)} days in {time.monotonic() - t0:.0f}s")
        run_job(client, "households")
        before = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
        load(client, pseudo, files)
        print("loaded the rest")
    else:
        before = None
    timings = {}
    shared: dict = {}  # as in run_all: the presence table is read once for the chain
    for job in ("households", "social", "affinity"):
        t0 = time.monotonic()
        ctx = run_job(client, job, shared=shared)
        timings[job] = time.monotonic() - t0
        print(f"{job}: {timings[job]:.1f}s  counts={ctx.counts}  peak RSS so far {_rss_mb()} MB")
    print(f"whole chain: {sum(timings.values()):.1f}s")
    after = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    if before:
        # a household id is kept when the majority of its old devices still carry it
        groups: dict[str, list[str]] = {}
        for dev, hh in before.items():
            groups.setdefault(hh, []).append(dev)
        kept = sum(1 for hh, devs in groups.items() if sum(after.get(d) == hh for d in devs) * 2 > len(devs))
        print(
            f"stability after +10% days: {kept}/{len(groups)} household ids kept ({kept / len(groups):.1%})"
        )

    hh, ln = args.out / "households.csv", args.out / "links.csv"
    hh.write_text(households_csv(client.read("export/read_household_export")))
    ln.write_text(links_csv(client.read("export/read_link_export")))
    print(f"scores: {evaluate_files(truth, hh, ln).as_dict()}")

    # near real time: one new ingest batch (a known device seen again now), then an incremental run
    lines = (args.out / "events.jsonl").read_bytes().splitlines()[-args.incremental_lines :]
    now = int(time.time() * 1000)
    recs = []
    for i, line in enumerate(lines):
        try:
            ev = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(ev, dict):
            ev["ts"], ev["event_id"] = now - 1000, f"rt-{now}-{i}"
            recs.append(SourceRecord("view", orjson.dumps(ev), "rt", 0, i))
    t0 = time.monotonic()
    write_batch(client, prepare(recs, pseudo, now), "bench", now)
    t1 = time.monotonic()
    ctx = run_job(client, "households", incremental=True)
    t2 = time.monotonic()
    print(
        f"incremental: batch write {t1 - t0:.2f}s, re-cluster {t2 - t1:.2f}s "
        f"(touched {ctx.counts.get('touched')}, households {ctx.counts.get('households')})"
    )
    print(f"peak RSS {_rss_mb()} MB")


if __name__ == "__main__":
    main()
