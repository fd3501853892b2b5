"""The graph jobs by name, run one at a time or all in order, each with its record and lock."""

from __future__ import annotations

from collections.abc import Callable

from graph.client import GraphClient
from graph.jobs.affinity import run_affinity_job
from graph.jobs.households import run_households_job
from graph.jobs.runs import JobContext, run_job_with_record
from graph.jobs.social import run_social_job
from graph.params import GraphParams

__all__ = ["JOBS", "run_all", "run_job"]

JOBS: dict[str, Callable[..., None]] = {
    "households": run_households_job,
    "social": run_social_job,
    "affinity": run_affinity_job,
}


def run_job(
    client: GraphClient,
    name: str,
    params: GraphParams | None = None,
    seed: int = 0,
    incremental: bool = False,
    progress: Callable[[str], None] | None = None,
    shared: dict | None = None,
) -> JobContext:
    """Run one job by name (``households``, ``social``, ``affinity``)."""
    body = JOBS[name]
    p = params or GraphParams()
    return run_job_with_record(
        client,
        name,
        lambda ctx: body(ctx, p, seed=seed, incremental=incremental),
        params={"seed": seed, "incremental": incremental},
        progress=progress,
        shared=shared,
    )


def run_all(
    client: GraphClient,
    params: GraphParams | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> list[JobContext]:
    """Households, then social links (they need households), then affinity."""
    shared: dict = {}
    return [run_job(client, name, params, seed, progress=progress, shared=shared) for name in JOBS]
