"""The registered jobs on a schedule (APScheduler): no overlapping runs, missed runs coalesced into one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from graph.client import GraphClient
from graph.errors import GraphError, JobLocked
from graph.jobs.pipeline import run_job
from graph.jobs.registry import JOBS
from graph.params import GraphParams

__all__ = ["build_scheduler"]

log = logging.getLogger(__name__)


def _guarded(
    client: GraphClient,
    name: str,
    incremental: bool,
    say: Callable[[str], None],
    params: GraphParams | None = None,
) -> Callable[[], None]:
    def tick() -> None:
        try:
            ctx = run_job(client, name, params, incremental=incremental)
            if not incremental or ctx.counts.get("touched"):
                say(f"{name}{' (incremental)' if incremental else ''}: {ctx.counts}")
        except JobLocked as err:  # another runner (or the previous tick) still holds it
            log.info("job skipped job=%s reason=locked owner=%s", name, err.owner)
        except GraphError as err:
            log.error("job failed job=%s error=%s", name, err)

    return tick


def build_scheduler(
    client: GraphClient,
    schedule: Mapping[str, int],
    say: Callable[[str], None] = print,
    background: bool = False,
    params: GraphParams | None = None,
) -> BaseScheduler:
    """A scheduler over ``schedule`` (:func:`graph.jobs.registry.schedule_of`: seconds per ``NAME`` and
    ``NAME:incremental``, 0 = off) whose jobs never run twice at once (max_instances=1 here, a lock in
    Neo4j across processes) and whose missed runs collapse into one (coalesce). Jobs without
    dependencies start at once; the others wait for their first interval."""
    kind = BackgroundScheduler if background else BlockingScheduler
    sched = kind(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    for entry, every in schedule.items():
        name, _, mode = entry.partition(":")
        if every <= 0:
            continue
        first = datetime.now(UTC) if not mode and not JOBS[name].depends_on else None
        sched.add_job(
            _guarded(client, name, mode == "incremental", say, params),
            "interval",
            seconds=every,
            id=entry,
            next_run_time=first,
        )
    return sched
