"""The jobs on a schedule (APScheduler): no overlapping runs, missed runs coalesced into one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from graph.client import GraphClient
from graph.errors import GraphError, JobLocked
from graph.jobs.pipeline import run_job

__all__ = ["Schedule", "build_scheduler"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    """Seconds between runs of each job (0 switches a job off)."""

    households: int = 300
    social: int = 600
    affinity: int = 900
    incremental: int = 10  # households re-clustered where data changed: near real time


def _guarded(
    client: GraphClient, name: str, incremental: bool, say: Callable[[str], None]
) -> Callable[[], None]:
    def tick() -> None:
        try:
            ctx = run_job(client, name, incremental=incremental)
            if not incremental or ctx.counts.get("touched"):
                say(f"{name}{' (incremental)' if incremental else ''}: {ctx.counts}")
        except JobLocked as err:  # another runner (or the previous tick) still holds it
            log.info("job skipped job=%s reason=locked owner=%s", name, err.owner)
        except GraphError as err:
            log.error("job failed job=%s error=%s", name, err)

    return tick


def build_scheduler(
    client: GraphClient, schedule: Schedule, say: Callable[[str], None] = print, background: bool = False
) -> BaseScheduler:
    """A scheduler whose jobs never run twice at once (max_instances=1 here, a lock in Neo4j
    across processes) and whose missed runs collapse into one (coalesce)."""
    kind = BackgroundScheduler if background else BlockingScheduler
    sched = kind(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    for name, every in (
        ("households", schedule.households),
        ("social", schedule.social),
        ("affinity", schedule.affinity),
    ):
        if every > 0:
            sched.add_job(
                _guarded(client, name, False, say),
                "interval",
                seconds=every,
                id=name,
                next_run_time=None if name != "households" else _now(),
            )
    if schedule.incremental > 0:
        sched.add_job(
            _guarded(client, "households", True, say),
            "interval",
            seconds=schedule.incremental,
            id="households-incremental",
        )
    return sched


def _now():
    from datetime import datetime

    return datetime.now(UTC)
