"""``hausgraph ingest --workers N``: N ingester processes in one consumer group, one combined status.

Each worker is ``hausgraph ingest --worker-report``: the ordinary Kafka loop, which prints its running
totals as one JSON line per committed batch. The parent adds them up on one status line, restarts a
worker that dies (the group rebalances its partitions meanwhile; offsets stored with the data mean
nothing is lost or doubled) and, on SIGINT/SIGTERM, stops all of them through :func:`stop_child`,
which gives each time to commit the batch in hand.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from hausgraph.cli.common import console
from hausgraph.cli.signals import spawn_child, stop_child, stop_on_signals

__all__ = ["WorkerTotals", "combine", "parse_report", "run_workers"]

log = logging.getLogger(__name__)

#: what one report line carries, summed over workers
FIELDS = ("batches", "valid", "invalid", "fresh")
#: a worker gets this long to commit its batch in hand after SIGTERM
STOP_GRACE_S = 30.0
#: a worker that died is started again after this long
RESTART_AFTER_S = 2.0


def parse_report(line: str) -> dict[str, int] | None:
    """A worker's report line as counts, or ``None`` for anything else it printed.

    >>> parse_report('{"batches": 2, "valid": 10, "invalid": 1, "fresh": 9}')
    {'batches': 2, 'valid': 10, 'invalid': 1, 'fresh': 9}
    >>> parse_report("ingesting views") is None, parse_report('{"batches": "x"}') is None
    (True, True)
    """
    try:
        row = json.loads(line)
    except ValueError:
        return None
    if not isinstance(row, dict) or not all(isinstance(row.get(k), int) for k in FIELDS):
        return None
    return {k: row[k] for k in FIELDS}


@dataclass
class WorkerTotals:
    """Totals of every run of one worker slot: finished runs plus the current run's latest report."""

    done: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    current: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    restarts: int = 0

    def finish_run(self) -> None:
        self.done = {k: self.done[k] + self.current[k] for k in FIELDS}
        self.current = dict.fromkeys(FIELDS, 0)

    def total(self) -> dict[str, int]:
        return {k: self.done[k] + self.current[k] for k in FIELDS}


def combine(slots: list[WorkerTotals]) -> dict[str, int]:
    """One status from all workers.

    >>> a, b = WorkerTotals(), WorkerTotals()
    >>> a.current.update(valid=5, fresh=4); b.done.update(valid=3, invalid=1); b.restarts = 1
    >>> combine([a, b])
    {'batches': 0, 'valid': 8, 'invalid': 1, 'fresh': 4, 'workers': 2, 'restarts': 1}
    """
    out = dict.fromkeys(FIELDS, 0)
    for s in slots:
        for k, v in s.total().items():
            out[k] += v
    return {**out, "workers": len(slots), "restarts": sum(s.restarts for s in slots)}


def _start(slot: WorkerTotals, cmd: list[str]) -> subprocess.Popen:
    # a session of its own: a terminal's Ctrl-C reaches the parent only, which stops each worker once
    proc = spawn_child(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            row = parse_report(line)
            if row is not None:
                slot.current = row

    threading.Thread(target=read, name=f"worker-report-{proc.pid}", daemon=True).start()
    return proc


def run_workers(n: int, batch_size: int) -> dict[str, Any]:
    """Run ``n`` workers until SIGINT/SIGTERM; the combined totals."""
    cmd = [sys.executable, "-m", "hausgraph", "ingest", "--worker-report", "--batch-size", str(batch_size)]
    slots = [WorkerTotals() for _ in range(n)]
    started = time.monotonic()
    with stop_on_signals() as stop:
        procs = [_start(s, cmd) for s in slots]
        console.print(
            f"ingesting with {n} workers (pids {', '.join(str(p.pid) for p in procs)}); Ctrl-C to stop"
        )
        with console.status("starting workers") as status:
            while not stop.wait(0.5):
                for i, proc in enumerate(procs):
                    if proc.poll() is not None and not stop.is_set():
                        log.warning(
                            "ingest worker ended code=%s pid=%d; restarting", proc.returncode, proc.pid
                        )
                        slots[i].finish_run()
                        slots[i].restarts += 1
                        if stop.wait(RESTART_AFTER_S):
                            break
                        procs[i] = _start(slots[i], cmd)
                t = combine(slots)
                rate = (t["valid"] + t["invalid"]) / max(time.monotonic() - started, 1e-9)
                status.update(
                    f"{n} workers: {t['valid'] + t['invalid']:,} records, {t['fresh']:,} new, "
                    f"{t['invalid']:,} dead letters, {rate:,.0f}/s, {t['restarts']} restarts"
                )
        codes = stop_child(*procs, grace_s=STOP_GRACE_S)
    time.sleep(0.2)  # the readers take the workers' last reports
    for s in slots:
        s.finish_run()
    return {**combine(slots), "exit_codes": codes}
