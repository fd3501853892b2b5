"""Benchmark: the campaign report of every campaign on a generated world (target <= 2 s at 1,000 x 28).

    python bench/campaigns.py --households 1000 --days 28 --yes

Loads the world (events, catalog and campaign records) into an empty graph of the benchmark's own
servers unless it already holds it (or --skip-load), runs the households job (household reach needs
it). ``--fast-load`` writes only what the report reads, for a box too busy to ingest 4 M lines: the ad
events' devices and exposures through ingest's own row builders and statements (every ad event
counts as new: ingest's presence and per-day records are skipped) and the generator's true households.
Then, in one run: the ``campaigns`` job in full and incrementally (it keeps the units over each
campaign's frequency cap), ``read_campaign_reports`` for all campaigns (the CLI's and the page's path;
the target), the same with the cap counted live (the path before the job kept it), one campaign's
detailed report, and a budget plan. Prints the figures as JSON. The campaign records are those of the
current generator (re-sent on every run: the latest record per campaign replaces the earlier one).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import SECRET, bench_settings, saved_world  # noqa: E402
from generator.campaigns import campaign_lines  # noqa: E402
from generator.params import WorldParams  # noqa: E402
from graph.admin import migrate, reset  # noqa: E402
from graph.jobs import run_job  # noqa: E402
from graph.jobs.campaigns import read_campaign_reports, read_plan, update_over_cap  # noqa: E402
from hausgraph.runtime import graph_client, pseudonymizer  # noqa: E402
from hausgraph.servers import ensure_started  # noqa: E402
from ingest.batch import prepare  # noqa: E402
from ingest.daily import exposure_rows  # noqa: E402
from ingest.file_source import chunks, file_records, open_lines  # noqa: E402
from ingest.rows import device_rows  # noqa: E402
from ingest.sink import write_batch  # noqa: E402

OUT = ROOT / "out" / "bench-campaigns-world"


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(round(time.perf_counter() - t, 3))
    return times, result


def _loaded(client, lines: int) -> bool:
    rows = client.driver.execute_query(
        "OPTIONAL MATCH (s:IngestStats {id: 'bench:view'}) RETURN s.valid + s.invalid AS read",
        database_=client.database,
    ).records
    return bool(rows) and rows[0]["read"] == lines


def _fast_load(client, world: Path, pseudo, truth: dict) -> None:
    """The ad events' devices and exposures (ingest's rows and statements), then the true households."""
    with open_lines(str(world / "events.jsonl")) as stream:
        ads = (line for line in stream if b"campaign_id" in line)
        for chunk in chunks(file_records(ads, "events.jsonl", "view"), 20_000):  # type: ignore[arg-type]
            prep = prepare(chunk, pseudo, int(time.time() * 1000))
            fresh = {e["id"] for r in prep.presence for e in r["events"]}
            exposed = exposure_rows(prep.presence, fresh)
            client.write("ingest/merge_devices", device_rows(prep.presence), now=int(time.time() * 1000))
            client.run_write("ingest/merge_campaign_ids", ids=sorted({r["campaign"] for r in exposed}))
            client.write("ingest/merge_exposed_on", exposed)
    members: dict[str, list[str]] = {}
    for d in truth["devices"]:
        members.setdefault(d["household"], []).append(d["key"])
    rows = [{"id": h, "devices": keys} for h, keys in sorted(members.items())]
    text = (ROOT / "bench" / "cypher" / "write_true_households.cypher").read_text()
    for i in range(0, len(rows), 500):
        client.driver.execute_query(text, rows=rows[i : i + 500], database_=client.database)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-load", action="store_true")
    ap.add_argument("--fast-load", action="store_true", help="only what the report reads (see above)")
    ap.add_argument("--world", type=Path, default=OUT, help="where the world is saved")
    ap.add_argument("--yes", action="store_true", help="allow wiping the benchmark graph")
    args = ap.parse_args()
    if not args.yes:
        sys.exit("this benchmark empties the benchmark servers' graph; pass --yes")
    settings = bench_settings()
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    pseudo = pseudonymizer(settings)
    figures: dict[str, object] = {"world": f"{args.households} households x {args.days} days"}
    t = time.perf_counter()
    world = saved_world(
        WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET), args.world
    )
    figures["generate_s"] = round(time.perf_counter() - t, 1)
    truth = json.loads((world / "truth.json").read_text())
    if args.fast_load and not args.skip_load:
        reset(client)
        migrate(client)
        t = time.perf_counter()
        _fast_load(client, world, pseudo, truth)
        figures["fast_load_s"] = round(time.perf_counter() - t, 1)
    elif not args.skip_load and not _loaded(client, truth["counts"]["lines"]):
        reset(client)
        migrate(client)
        t = time.perf_counter()
        for name, kind in (
            ("content.jsonl", "content"),
            ("campaigns.jsonl", "campaign"),
            ("events.jsonl", "view"),
        ):
            with open_lines(str(world / name)) as stream:
                for chunk in chunks(file_records(stream, name, kind), 20_000):
                    now = int(time.time() * 1000)
                    write_batch(client, prepare(chunk, pseudo, now), f"bench:{kind}", now)
        figures["ingest_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        run_job(client, "households")
        figures["households_job_s"] = round(time.perf_counter() - t, 1)
    lines, _ = campaign_lines(WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET))
    (world / "campaigns.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with open_lines(str(world / "campaigns.jsonl")) as stream:
        now = int(time.time() * 1000)
        write_batch(client, prepare(list(file_records(stream, "campaigns.jsonl", "campaign")), pseudo, now),
                    "bench:campaign", now)  # fmt: skip
    counts = client.driver.execute_query(
        "MATCH ()-[x:EXPOSED_ON]->() RETURN count(x) AS edges, sum(x.impressions) AS impressions",
        database_=client.database,
    ).records[0]
    figures["exposure_edges"], figures["impressions"] = counts["edges"], counts["impressions"]
    figures["cap_job_full_s"], work = _timed(lambda: update_over_cap(client, "bench", incremental=False), 1)
    figures["cap_job_full_work"] = work
    figures["cap_job_incremental_s"], work = _timed(lambda: update_over_cap(client, "bench"), args.repeat)
    figures["cap_job_incremental_work"] = work
    figures["report_live_cap_s"], live = _timed(lambda: read_campaign_reports(client, stored_cap=False), 1)
    times, reports = _timed(lambda: read_campaign_reports(client), args.repeat)
    figures["stored_cap_equals_live_cap"] = reports == live
    figures["report_all_s"] = times
    figures["report_all_median_s"] = statistics.median(times)
    figures["campaigns"] = len(reports)
    figures["households_reached_max"] = max(r["households_reached"] for r in reports)
    one = max(reports, key=lambda r: r["impressions"])["campaign_id"]
    figures["report_one_s"], _ = _timed(lambda: read_campaign_reports(client, one), args.repeat)
    figures["plan_s"], _ = _timed(lambda: read_plan(client, 10_000.0, None), args.repeat)
    figures["target_report_all_s"] = 2.0
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
