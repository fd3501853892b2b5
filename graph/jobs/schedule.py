"""The registered jobs on a schedule (APScheduler): no overlapping runs, missed runs coalesced into one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from graph.client import GraphClient
from graph.errors import GraphError, JobLocked, LeaseLost
from graph.jobs.lease import LeaseParams
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
    lease: LeaseParams | None = None,
    params: GraphParams | None = None,
) -> Callable[[], None]:
    def tick() -> None:
        try:
            ctx = run_job(client, name, params, incremental=incremental, lease=lease)
            if ctx.abandoned_before:
                say(ctx.abandoned_before)
            if not incremental or ctx.counts.get("touched"):
                say(f"{name}{' (incremental)' if incremental else ''}: {ctx.counts}")
        except JobLocked as err:  # another runner (or the previous tick) still holds it
            log.info("job skipped job=%s reason=locked owner=%s", name, err.owner)
        except LeaseLost as err:  # paused past its lease; the run that took over goes on
            log.error("job stopped job=%s reason=lease_lost generation=%s", name, err.generation)
        except GraphError as err:
            log.error("job failed job=%s error=%s", name, err)

    return tick


def build_scheduler(
    client: GraphClient,
    schedule: Mapping[str, int],
    say: Callable[[str], None] = print,
    background: bool = False,
    lease: LeaseParams | None = None,
    params: GraphParams | None = None,
) -> BaseScheduler:
    """A scheduler over ``schedule`` (:func:`graph.jobs.registry.schedule_of`: seconds per ``NAME`` and
    ``NAME:incremental``, 0 = off) whose jobs never run twice at once (max_instances=1 here, a lock in
    Neo4j across processes) and whose missed runs collapse into one (coalesce). Jobs without
    dependencies start at once; the others wait for their first interval. ``lease``: each run's
    lease (:class:`graph.jobs.lease.LeaseParams`); a crashed scheduler's leases run out by then."""
    kind = BackgroundScheduler if background else BlockingScheduler
    sched = kind(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    for entry, every in schedule.items():
        name, _, mode = entry.partition(":")
        if every <= 0:
            continue
        # APScheduler 3 reads an explicit next_run_time=None as "paused": pass it only to start at once
        first = {"next_run_time": datetime.now(UTC)} if not mode and not JOBS[name].depends_on else {}
        sched.add_job(
            _guarded(client, name, mode == "incremental", say, lease, params),
            "interval",
            seconds=every,
            id=entry,
            **first,
        )
    return sched
