"""Run graph jobs by name, one at a time or with their dependencies, each with its record and lock."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from graph.client import GraphClient
from graph.jobs.lease import LeaseParams
from graph.jobs.registry import JOBS, UnknownJob, job_order
from graph.jobs.runs import JobContext, run_job_with_record
from graph.params import GraphParams

__all__ = ["run_all", "run_job"]


def run_job(
    client: GraphClient,
    name: str,
    params: GraphParams | None = None,
    seed: int = 0,
    incremental: bool = False,
    progress: Callable[[str], None] | None = None,
    shared: dict | None = None,
    lease: LeaseParams | None = None,
) -> JobContext:
    """Run one registered job (:data:`graph.jobs.registry.JOBS`) now, under its lease."""
    if name not in JOBS:
        raise UnknownJob(name)
    spec = JOBS[name]
    p = params or GraphParams()
    return run_job_with_record(
        client,
        name,
        lambda ctx: spec(ctx, p, seed=seed, incremental=incremental and spec.incremental),
        params={"seed": seed, "incremental": incremental and spec.incremental},
        progress=progress,
        shared=shared,
        lease=lease,
    )


def run_all(
    client: GraphClient,
    params: GraphParams | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    names: Iterable[str] | None = None,
    lease: LeaseParams | None = None,
) -> list[JobContext]:
    """Every job (or ``names`` and what they depend on), dependencies first, sharing one read memo."""
    shared: dict = {}
    return [
        run_job(client, name, params, seed, progress=progress, shared=shared, lease=lease)
        for name in job_order(names)
    ]
