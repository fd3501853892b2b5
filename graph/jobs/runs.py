"""Run records and leases of graph jobs, stored in Neo4j so that every runner sees them."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from graph.client import GraphClient
from graph.errors import GraphError, LeaseLost
from graph.jobs.lease import FencedClient, Heartbeat, Lease, LeaseParams, acquire_lease, release_lease
from graph.jobs.owner import ProcessIdentity

__all__ = ["JobContext", "abandoned_note", "job_lock", "last_success", "run_job_with_record"]

log = logging.getLogger(__name__)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _run_id(job: str) -> str:
    return f"{job}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


@dataclass
class JobContext:
    """What a job body gets: the client (its writes fenced by the job's lease), its run id, and a place
    to report progress and counts."""

    client: Any
    run_id: str
    job: str
    params: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = lambda msg: None
    #: reads shared by the jobs of one chain (the full presence table is read once, not thrice)
    shared: dict[str, Any] = field(default_factory=dict)
    #: the lease this run holds (``None`` only in tests that build a context by hand)
    lease: Lease | None = None
    #: the job's run before this one (``id``, ``status``, ``error``, ...), if any
    previous: dict[str, Any] | None = None

    @property
    def abandoned_before(self) -> str | None:
        """A sentence when the previous run of the job was abandoned, else ``None``."""
        return abandoned_note(self.job, self.previous)


def abandoned_note(job: str, previous: dict[str, Any] | None) -> str | None:
    """What a new run says when the job's previous run was abandoned.

    >>> abandoned_note("households", {"id": "households-1", "status": "abandoned",
    ...                                "abandoned_at": 0, "error": "owner pid 22488 gone"})
    'households: the previous run households-1 was abandoned (owner pid 22488 gone), closed at 00:00:00 UTC'
    >>> abandoned_note("households", {"id": "households-1", "status": "succeeded"}) is None
    True
    """
    if not previous or previous.get("status") != "abandoned":
        return None
    at = previous.get("abandoned_at") if previous.get("abandoned_at") is not None else previous.get("ended")
    when = "" if at is None else time.strftime(", closed at %H:%M:%S UTC", time.gmtime(int(at) / 1000))
    return f"{job}: the previous run {previous['id']} was abandoned ({previous.get('error')}){when}"


@contextmanager
def job_lock(
    client: GraphClient,
    job: str,
    lease: LeaseParams | None = None,
    run_id: str | None = None,
    me: ProcessIdentity | None = None,
) -> Iterator[Lease]:
    """Hold the job's lease for the block, renewed by a heartbeat thread that stops with it.

    Raises :class:`graph.errors.JobLocked` if a live run holds it. A lease that has run out, or
    whose owner process is gone (same host), is taken over and its run closed as ``abandoned``.
    """
    held = acquire_lease(client, job, run_id or _run_id(job), lease, me)
    beat = Heartbeat(client, held)
    beat.start()
    try:
        yield held
    finally:
        beat.stop()
        try:
            if not release_lease(client, held):
                log.warning("job lease was taken over before release job=%s", job)
        except GraphError as err:  # the lease runs out by itself; the job's own outcome matters more
            log.warning("job lease release failed job=%s error=%s", job, err)


def last_success(client: GraphClient, job: str) -> int | None:
    """Start time (epoch ms) of the job's last successful run, if any."""
    rows = client.read("jobs/read_last_success", job=job)
    return rows[0]["started"] if rows else None


def last_full_counts(client: GraphClient, job: str) -> dict[str, Any]:
    """The counts of the job's newest successful full run (``{}``: none yet)."""
    rows = client.read("jobs/read_last_full_counts", job=job)
    return json.loads(rows[0]["counts"]) if rows and rows[0]["counts"] else {}


def run_job_with_record(
    client: GraphClient,
    job: str,
    body: Callable[[JobContext], None],
    params: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    shared: dict[str, Any] | None = None,
    lease: LeaseParams | None = None,
) -> JobContext:
    """Run ``body`` under the job's lease with a :JobRun record (start, end, status, counts, params).

    Every write of the body through ``ctx.client`` is fenced: it commits only while this run's
    lease generation holds (:class:`graph.jobs.lease.FencedClient`).
    """
    params = params or {}
    progress = progress or (lambda msg: None)
    run_id = _run_id(job)
    with job_lock(client, job, lease, run_id) as held:
        fenced = FencedClient(client, held)
        rows = client.read("jobs/read_previous_run", job=job, run=run_id)
        ctx = JobContext(
            fenced,
            run_id,
            job,
            params,
            progress=progress,
            shared=shared if shared is not None else {},
            lease=held,
            previous=rows[0]["run"] if rows else None,
        )
        if ctx.abandoned_before:
            log.warning("job previous run abandoned job=%s previous=%s", job, ctx.previous["id"])
            progress(ctx.abandoned_before)
        fenced.run_write(
            "jobs/start_run",
            id=run_id,
            job=job,
            started=_now_ms(),
            params=json.dumps(params, sort_keys=True, default=str),
        )
        status, error = "succeeded", None
        try:
            body(ctx)
        except Exception as err:
            status, error = "failed", f"{type(err).__name__}: {err}"
            raise
        finally:
            try:
                fenced.run_write(
                    "jobs/finish_run",
                    id=run_id,
                    ended=_now_ms(),
                    status=status,
                    counts=json.dumps(ctx.counts, sort_keys=True, default=str),
                    error=error,
                )
            except LeaseLost:  # the run that took over has closed this one as abandoned
                log.warning("job run closed by a take-over job=%s run=%s", job, run_id)
                if status == "succeeded":  # no error in flight: this one is the run's outcome
                    raise
                status = "abandoned"
            log.info("job finished job=%s run=%s status=%s", job, run_id, status)
    return ctx
