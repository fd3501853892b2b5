"""Scripted check: ``make test`` run while ``make demo`` is serving leaves the demo untouched.

It starts ``hausgraph demo`` (a small world, no live feed) on the checkout's own servers, waits until
the app answers, takes a snapshot (server pids, graph totals, the households export's digest, the
demo's scores), runs ``make test``, and compares. Exit 0 when nothing of the demo changed.

    python infra/check_test_isolation.py [--households 40] [--days 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAUSGRAPH = [str(ROOT / ".venv" / "bin" / "hausgraph")]


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def snapshot(out: Path) -> dict:
    """What the demo owns: its servers' pids, the graph's totals, its export and its scores."""
    servers = json.loads(
        subprocess.run(
            [*HAUSGRAPH, "servers", "status", "--json"], check=True, capture_output=True, text=True, cwd=ROOT
        ).stdout
    )
    export, links = out / "check-households.csv", out / "check-links.csv"
    for kind, path in (("households", export), ("links", links)):
        subprocess.run(
            [*HAUSGRAPH, "export", kind, "--out", str(path)], check=True, cwd=ROOT, capture_output=True
        )
    scores = json.loads(
        subprocess.run(
            [
                *HAUSGRAPH,
                "evaluate",
                "--truth",
                str(out / "truth.json"),
                "--households",
                str(export),
                "--links",
                str(links),
                "--json",
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    )
    return {
        "pids": {s["name"]: s.get("pid") for s in servers},
        "export_sha256": hashlib.sha256(export.read_bytes() + links.read_bytes()).hexdigest(),
        "scores": {k: v for k, v in scores.items() if k.startswith(("pair", "ari"))},
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=40)
    ap.add_argument("--days", type=int, default=3)
    args = ap.parse_args()
    out = ROOT / "out" / "isolation-demo"
    env = {**os.environ, "HAUSGRAPH_DEMO_MODE": "1"}
    cmd = [*HAUSGRAPH, "demo", "--households", str(args.households), "--days", str(args.days)]
    demo = subprocess.Popen([*cmd, "--live-rate", "0", "--out", str(out)], cwd=ROOT, env=env)
    try:
        while not _serving(8501):
            if demo.poll() is not None:
                print("demo ended before serving", file=sys.stderr)
                return 2
            time.sleep(2)
        before = snapshot(out)
        print("demo snapshot:", json.dumps(before))
        tests = subprocess.run(["make", "test"], cwd=ROOT)
        after = snapshot(out)
        print("after make test:", json.dumps(after))
        same = before == after and demo.poll() is None and _serving(8501)
        print(f"make test exit {tests.returncode}; demo untouched: {same}")
        return 0 if same else 1
    finally:
        demo.send_signal(signal.SIGINT)
        demo.wait(30)


if __name__ == "__main__":
    sys.exit(main())
