"""Run records and locks of graph jobs, stored in Neo4j so that every runner sees them."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from graph.client import GraphClient
from graph.errors import JobLocked

__all__ = ["JobContext", "job_lock", "last_success", "run_job_with_record"]

log = logging.getLogger(__name__)


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class JobContext:
    """What a job body gets: the client, its run id, and a place to report progress and counts."""

    client: GraphClient
    run_id: str
    job: str
    params: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = lambda msg: None
    #: reads shared by the jobs of one chain (the full presence table is read once, not thrice)
    shared: dict[str, Any] = field(default_factory=dict)


@contextmanager
def job_lock(client: GraphClient, job: str, ttl_s: float = 3600.0):
    """Hold the job's lock in Neo4j for the block; raises :class:`JobLocked` if another run has it."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    now = _now_ms()
    row = client.run_write(
        "jobs/acquire_lock", job=job, owner=owner, now=now, expires=now + int(ttl_s * 1000)
    )[0]
    if not row["acquired"]:
        raise JobLocked(job, row["owner"], str(row["since"]))
    try:
        yield owner
    finally:
        client.run_write("jobs/release_lock", job=job, owner=owner)


def last_success(client: GraphClient, job: str) -> int | None:
    """Start time (epoch ms) of the job's last successful run, if any."""
    rows = client.read("jobs/read_last_success", job=job)
    return rows[0]["started"] if rows else None


def run_job_with_record(
    client: GraphClient,
    job: str,
    body: Callable[[JobContext], None],
    params: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    shared: dict[str, Any] | None = None,
) -> JobContext:
    """Run ``body`` under the job's lock with a :JobRun record (start, end, status, counts, params)."""
    params = params or {}
    run_id = f"{job}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    with job_lock(client, job):
        client.run_write(
            "jobs/start_run",
            id=run_id,
            job=job,
            started=_now_ms(),
            params=json.dumps(params, sort_keys=True, default=str),
        )
        ctx = JobContext(
            client,
            run_id,
            job,
            params,
            progress=progress or (lambda msg: None),
            shared=shared if shared is not None else {},
        )
        status, error = "succeeded", None
        try:
            body(ctx)
        except Exception as err:
            status, error = "failed", f"{type(err).__name__}: {err}"
            raise
        finally:
            client.run_write(
                "jobs/finish_run",
                id=run_id,
                ended=_now_ms(),
                status=status,
                counts=json.dumps(ctx.counts, sort_keys=True, default=str),
                error=error,
            )
            log.info("job finished job=%s run=%s status=%s", job, run_id, status)
    return ctx
