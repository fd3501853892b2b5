"""Benchmark of the household core on Spark (``local[2]``) beside the pure core, on the
synthetic world of ``bench/households_core.py``.

    python bench/spark_households.py 100000 [--days 14] [--seed 1] [--compare] [--out bench/out.json]

Writes the world's presence table as Parquet, runs ``graph.spark.core.run_spark_households``
and reports wall time and peak memory per stage: the resident memory of the whole Spark
process tree (the JVM plus its Python workers), sampled every 0.2 s. The pure core runs in
a separate process (``bench/households_core.py --cache``) so its memory is its own. With
``--compare`` the pure core's memberships are computed here too and compared (pair F1, ids).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.households_core import _rss_mb, _save, synthetic_world
from graph.spark.compare import pair_f1
from graph.spark.files import read_output, write_presence_table


def _tree(root: int) -> tuple[float, float]:
    """(resident MB, CPU seconds so far) of ``root``'s descendants (not ``root`` itself), from
    /proc; CPU includes descendants that ended (``cutime``/``cstime``), so it only grows."""
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            kids.setdefault(int(parts[1]), []).append(int(d))
            rss[int(d)] = int(parts[21]) * os.sysconf("SC_PAGE_SIZE")
            cpu[int(d)] = sum(int(x) for x in parts[11:15])
        except (OSError, IndexError, ValueError):
            continue
    total, ticks, todo = 0, 0, list(kids.get(root, []))
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        ticks += cpu.get(pid, 0)
        todo.extend(kids.get(pid, []))
    return total / 2**20, ticks / os.sysconf("SC_CLK_TCK")


def _tree_rss_mb(root: int) -> float:
    return _tree(root)[0]


class _Peak:
    """Peak of the Spark process tree's memory, reset at each stage."""

    def __init__(self) -> None:
        self.peak, self.stop = 0.0, False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self.stop:
            self.peak = max(self.peak, _tree_rss_mb(me))
            time.sleep(0.2)

    def take(self) -> float:
        p, self.peak = self.peak, _tree_rss_mb(os.getpid())
        return round(p)


class _Cpu:
    """CPU seconds of the Spark process tree (JVM + Python workers) per stage: on a shared box
    this, unlike wall time, does not grow with other people's load."""

    def __init__(self) -> None:
        self.last = _tree(os.getpid())[1]
        self.seen = self.last

    def take(self) -> float:
        now = max(_tree(os.getpid())[1], self.seen)  # a worker that ended may drop out of the tree
        self.seen = now
        d, self.last = now - self.last, now
        return round(d, 1)


def table(reports: list[dict]) -> str:
    """Markdown rows: per size, the pure core's steps and Spark's stages (seconds / peak MB)."""
    out = [
        "| devices | rows | pure total s | pure peak MB | Spark total s | Spark peak MB | "
        + " | ".join(
            f"{s} s / MB" for s in ("startup", "presence", "networks", "copresence", "cluster", "evidence")
        )
        + " | pair F1 |",
        "|---" * 13 + "|",
    ]
    for r in reports:
        st = r["spark"]["stages"] if "spark" in r else r["stages"]  # "stages": older partial reports
        pure = r.get("pure", {})
        spark, peak = r.get("spark", {}), max(x["peak_rss_mb"] for x in st.values())
        cells = [
            f"{st[s]['s']} / {st[s]['peak_rss_mb']}" if s in st else ""
            for s in ("startup", "presence", "networks", "copresence", "cluster", "evidence")
        ]
        out.append(
            f"| {r['n']:,} | {r['world']['presence_rows']:,} "
            f"| {pure.get('total_s', '')} | {pure.get('peak_rss_mb', '')} "
            f"| {spark.get('total_s', 'partial')} | {spark.get('peak_rss_mb', peak)} | "
            + " | ".join(cells)
            + f" | {r.get('compare', {}).get('pair_f1', '')} |"
        )
    return "\n".join(out)


def regional_world(n: int, days: int, seed: int, regions: int, out: Path) -> dict:
    """Write a world of ``n`` devices as ``regions`` independent worlds of ``n // regions`` (seeds
    ``seed``, ``seed + 1``, ...; device and network keys prefixed ``r<k>``) into one presence
    Parquet dataset, one region in memory at a time. Regions share no network, as areas served by
    different ISPs and offices; the work per presence row is the same as in one world."""
    facts: dict = {"regions": regions}
    for r in range(regions):
        t, _, f = synthetic_world(n // regions, days, seed + r)
        t = replace(
            t,
            device_keys=np.array([f"r{r:02d}{k}" for k in t.device_keys], dtype=object),
            network_keys=np.array([f"r{r:02d}{k}" for k in t.network_keys], dtype=object),
        )
        part = out.with_name(f"{out.name}-r{r}")
        write_presence_table(t, part)
        del t
        gc.collect()
        out.mkdir(parents=True, exist_ok=True)
        for file in sorted(part.glob("*.parquet")):
            file.rename(out / f"r{r:02d}-{file.name}")
        shutil.rmtree(part)
        for k, v in f.items():
            facts[k] = facts.get(k, 0) + v
    return facts


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("devices", type=int, nargs="?", default=0)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--data", type=Path, default=Path("out/spark-bench"))
    ap.add_argument("--compare", action="store_true", help="also compare memberships with the pure core")
    ap.add_argument("--skip-pure", action="store_true")
    ap.add_argument("--social", action="store_true", help="also run the social-link job on Spark")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--driver-memory", default="12g")
    ap.add_argument(
        "--shuffle-partitions",
        type=int,
        help="Spark SQL shuffle partitions (local default 4; more for big worlds)",
    )
    ap.add_argument(
        "--event-log", type=Path, help="write Spark's event log here (per-job timings: bench/spark_jobs.py)"
    )
    ap.add_argument("--table", nargs="+", type=Path, help="print a Markdown table of these reports and exit")
    ap.add_argument(
        "--regions",
        type=int,
        default=1,
        help="build the world as this many independent regions (memory: one region at a time)",
    )
    ap.add_argument("--generate-only", action="store_true", help="write the Parquet table and stop")
    ap.add_argument("--reuse", action="store_true", help="reuse the table an earlier run wrote for this size")
    args = ap.parse_args(argv)
    if args.table:
        print(table([json.loads(p.read_text()) for p in args.table]))
        return {}
    if args.regions > 1 and (args.compare or not args.skip_pure):
        ap.error("--regions writes only the Parquet table: use it with --skip-pure and without --compare")
    data = args.data / str(args.devices)
    t0 = time.perf_counter()
    if args.reuse and (data / "facts.json").is_file():
        facts = json.loads((data / "facts.json").read_text())
        shutil.rmtree(data / "out", ignore_errors=True)
    elif args.regions > 1:
        shutil.rmtree(data, ignore_errors=True)
        facts = regional_world(args.devices, args.days, args.seed, args.regions, data / "presence")
        (data / "facts.json").write_text(json.dumps(facts))
    else:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        t, truth, facts = synthetic_world(args.devices, args.days, args.seed)
        write_presence_table(t, data / "presence")
        _save(data / "world.npz", t, truth, facts)
        (data / "facts.json").write_text(json.dumps(facts))
        if not args.compare:  # Spark reads the Parquet table; the arrays would only sit in the tree's memory
            del t, truth
            gc.collect()
    report: dict = {"n": args.devices, "world": facts, "generate_s": round(time.perf_counter() - t0, 1)}
    if args.generate_only:
        print(json.dumps(report))
        return report

    if not args.skip_pure:
        pure = subprocess.run(
            [
                sys.executable,
                "bench/households_core.py",
                str(args.devices),
                "--cache",
                str(data / "world.npz"),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        pr = json.loads(pure.stdout)
        report["pure"] = {
            "total_s": pr["core_total_s"],
            "peak_rss_mb": pr["core_peak_rss_mb"],
            "steps": pr["steps"],
            "households": pr["households_found"],
        }

    from graph.spark.core import run_spark_households
    from graph.spark.session import spark_session

    peak, cpu = _Peak(), _Cpu()
    s0 = time.perf_counter()
    conf = {}
    if args.event_log:
        args.event_log.mkdir(parents=True, exist_ok=True)
        conf = {
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": str(args.event_log.resolve()),
            "spark.eventLog.compress": "false",  # plain JSON lines for bench/spark_jobs.py
        }
    spark = spark_session(
        args.master, driver_memory=args.driver_memory, shuffle_partitions=args.shuffle_partitions, conf=conf
    )
    startup = round(time.perf_counter() - s0, 1)
    stages: dict[str, dict] = {"startup": {"s": startup, "peak_rss_mb": peak.take(), "cpu_s": cpu.take()}}

    def stage_done(name: str, s: float) -> None:  # a long run that fails later keeps what it measured
        stages[name] = {"s": s, "peak_rss_mb": peak.take(), "cpu_s": cpu.take()}
        print(f"stage {name}: {stages[name]}", file=sys.stderr, flush=True)
        if args.out:
            partial = {
                "stages": stages,
                "total_s": "partial",
                "peak_rss_mb": max(x["peak_rss_mb"] for x in stages.values()),
            }
            args.out.write_text(json.dumps({**report, "spark": partial, "partial": True}, indent=2))

    counts = run_spark_households(
        spark, str(data / "presence"), str(data / "out"), seed=0, on_stage=stage_done
    )
    if args.social:
        from graph.spark.core import run_spark_social

        t1 = time.perf_counter()
        report["social_links"] = run_spark_social(spark, str(data / "presence"), str(data / "out"))["links"]
        stages["social"] = {
            "s": round(time.perf_counter() - t1, 1),
            "peak_rss_mb": peak.take(),
            "cpu_s": cpu.take(),
        }
    spark.stop()
    peak.stop = True
    report["spark"] = {
        "total_s": round(time.perf_counter() - s0, 1),
        "peak_rss_mb": max(v["peak_rss_mb"] for v in stages.values()),
        "stages": stages,
        "counts": {k: v for k, v in counts.items() if k != "seconds"},
    }
    if args.compare:
        from graph.households.core import household_rows, run_households

        pure_rows = household_rows(run_households(t))
        a = {m["device"]: m["household_id"] for m in pure_rows["memberships"]}
        out = read_output(data / "out")
        b = {m["device"]: m["household_id"] for m in out["memberships"]}
        report["compare"] = {
            "pair_f1": round(pair_f1(a, b), 6),
            "same_ids": sum(a.get(d) == h for d, h in b.items()),
            "memberships": [len(a), len(b)],
        }
        if args.social:
            from graph.social import social_links
            from graph.spark.files import read_links

            links, members = read_links(data / "out")
            t1 = time.perf_counter()
            want = social_links(t, members)
            report["pure_social"] = {
                "s": round(time.perf_counter() - t1, 2),
                "process_peak_mb": round(_rss_mb()),
            }
            key = lambda x: (x["household_a"], x["household_b"], x["visits"], x["first_seen"], x["last_seen"])
            report["compare"]["links"] = [len(links), len(want)]
            report["compare"]["links_equal"] = [key(x) for x in links] == [key(x) for x in want] and [
                x["evidence"] for x in links
            ] == [x["evidence"] for x in want]
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
