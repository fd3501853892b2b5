"""Where a Spark run's time went, from its event log (``bench/spark_households.py --event-log DIR``).

    python bench/spark_jobs.py DIR/<app-id> [--top 25]

Prints each job's wall time with its description (the step that materialised it, see
``graph.spark.session.materialize``) or call site, and its stages' task time, biggest first.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def jobs(path: Path) -> list[dict]:
    """Per job: id, name, seconds (submission to end), task seconds of its stages."""
    out: dict[int, dict] = {}
    stage_job: dict[int, int] = {}
    task_ms: dict[int, float] = {}
    for line in path.read_text().splitlines():
        e = json.loads(line)
        kind = e["Event"]
        if kind == "SparkListenerJobStart":
            props = e.get("Properties") or {}
            name = props.get("spark.job.description") or props.get("callSite.short") or ""
            out[e["Job ID"]] = {
                "job": e["Job ID"],
                "name": name,
                "start": e["Submission Time"],
                "task_s": 0.0,
            }
            for s in e["Stage IDs"]:
                stage_job[s] = e["Job ID"]
        elif kind == "SparkListenerJobEnd":
            out[e["Job ID"]]["s"] = (e["Completion Time"] - out[e["Job ID"]]["start"]) / 1000
        elif kind == "SparkListenerTaskEnd":
            info = e["Task Info"]
            sid = e["Stage ID"]
            task_ms[sid] = task_ms.get(sid, 0.0) + info["Finish Time"] - info["Launch Time"]
    for sid, ms in task_ms.items():
        if sid in stage_job:
            out[stage_job[sid]]["task_s"] += ms / 1000
    return sorted(out.values(), key=lambda j: -j.get("s", 0))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    js = jobs(args.log)
    total = sum(j.get("s", 0) for j in js)
    print(f"{len(js)} jobs, {total:.1f} s in jobs")
    for j in js[: args.top]:
        print(f"{j.get('s', 0):8.1f} s  tasks {j['task_s']:8.1f} s  job {j['job']:4d}  {j['name'][:90]}")


if __name__ == "__main__":
    main()
