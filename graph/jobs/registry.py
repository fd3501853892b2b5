"""The one list of graph jobs: each declared once, with its schedule, dependencies and modes.

The CLI (``jobs run NAME|all``), the scheduler, settings (schedule overrides), the app's Jobs page
and the tests all read :data:`JOBS`. Adding a job is one :class:`JobSpec` line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from graph.errors import GraphError
from graph.jobs.affinity import run_affinity_job
from graph.jobs.campaigns import run_affluence_job, run_campaigns_job
from graph.jobs.households import run_households_job
from graph.jobs.personas import run_personas_job
from graph.jobs.propensity import run_propensity_job
from graph.jobs.retention import run_retention_job
from graph.jobs.runs import JobContext
from graph.jobs.social import run_social_job
from graph.params import GraphParams

__all__ = ["JOBS", "JobBody", "JobSpec", "UnknownJob", "job_order", "schedule_of"]

#: ``body(ctx, params, seed=..., incremental=...)``: read → pure core → write
JobBody = Callable[..., None]


class UnknownJob(GraphError):
    """A job name that is not in :data:`JOBS`."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown job {name!r}; choose one of: {', '.join(JOBS)}")


@dataclass(frozen=True)
class JobSpec:
    """A graph job, declared once.

    Parameters
    ----------
    name
        What the CLI, the scheduler, run records and the app call it.
    run
        The job's shell: ``run(ctx: JobContext, params: GraphParams, seed=0, incremental=False)``.
    every_s
        Default seconds between scheduled full runs (0: not scheduled).
    depends_on
        Jobs whose output this one reads; ``all`` runs them first.
    incremental_every_s
        Seconds between incremental runs; 0 when the job has no incremental mode.
    summary
        One line for ``--help`` and the Jobs page.
    """

    name: str
    run: JobBody
    every_s: int
    depends_on: tuple[str, ...] = ()
    incremental_every_s: int = 0
    summary: str = ""

    @property
    def incremental(self) -> bool:
        """Whether the job has an incremental mode."""
        return self.incremental_every_s > 0

    def __call__(
        self, ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False
    ) -> None:
        self.run(ctx, params, seed=seed, incremental=incremental)


def _registry(specs: Iterable[JobSpec]) -> dict[str, JobSpec]:
    """Specs by name, refusing duplicates and unknown dependencies.

    >>> noop = lambda ctx, params, seed=0, incremental=False: None
    >>> list(_registry([JobSpec("a", noop, 1), JobSpec("b", noop, 1, depends_on=("a",))]))
    ['a', 'b']
    >>> _registry([JobSpec("b", noop, 1, depends_on=("zz",))])
    Traceback (most recent call last):
    ...
    ValueError: job b depends on unknown job zz
    """
    out: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.name in out:
            raise ValueError(f"job {spec.name} is declared twice")
        out[spec.name] = spec
    for spec in out.values():
        for dep in spec.depends_on:
            if dep not in out:
                raise ValueError(f"job {spec.name} depends on unknown job {dep}")
    return out


JOBS: dict[str, JobSpec] = _registry(
    [
        JobSpec(
            "households",
            run_households_job,
            every_s=300,
            incremental_every_s=10,
            summary="devices → households from co-presence on home networks (stable ids, lineage)",
        ),
        JobSpec(
            "social",
            run_social_job,
            every_s=600,
            depends_on=("households",),
            summary="social links between households from revealed visits",
        ),
        JobSpec(
            "affinity",
            run_affinity_job,
            every_s=900,
            depends_on=("households",),
            summary="genre lift, top series, device mix and look-alike households",
        ),
        JobSpec(
            "retention",
            run_retention_job,
            every_s=86_400,
            summary="deletes presence, watch and exposure edges older than the retention, and stale devices",
        ),
        JobSpec(
            "affluence",
            run_affluence_job,
            every_s=900,
            depends_on=("households",),
            summary="affluence proxy per household from its device count and mix",
        ),
        JobSpec(
            "campaigns",
            run_campaigns_job,
            every_s=300,
            depends_on=("households",),
            incremental_every_s=5,
            summary="households over each campaign's frequency cap (incremental: units whose count changed) "
            "and headline figures on each Campaign",
        ),
        JobSpec(
            "personas",
            run_personas_job,
            every_s=86_400,
            depends_on=("households",),
            incremental_every_s=3600,
            summary="weekly viewer personas with evidence, transitions and churn risk, age bands",
        ),
        JobSpec(
            "propensity",
            run_propensity_job,
            every_s=86_400,
            depends_on=("households", "social", "affinity"),
            summary="next-week conversion propensity per household and campaign (time-decayed ad behaviour)",
        ),
    ]
)


def job_order(names: Iterable[str] | None = None, jobs: Mapping[str, JobSpec] = JOBS) -> list[str]:
    """``names`` (default: every job) with their dependencies, dependencies first, in registry order.

    >>> job_order(["social"])
    ['households', 'social']
    >>> job_order()
    ['households', 'social', 'affinity', 'retention', 'affluence', 'campaigns', 'personas', 'propensity']
    """
    wanted: set[str] = set()

    def visit(name: str) -> None:
        if name not in jobs:
            raise UnknownJob(name)
        if name not in wanted:
            wanted.add(name)
            for dep in jobs[name].depends_on:
                visit(dep)

    for name in jobs if names is None else names:
        visit(name)
    order: list[str] = []
    while len(order) < len(wanted):  # registry order, each after its dependencies
        for name in jobs:
            if name in wanted and name not in order and all(d in order for d in jobs[name].depends_on):
                order.append(name)
    return order


def schedule_of(overrides: Mapping[str, int], jobs: Mapping[str, JobSpec] = JOBS) -> dict[str, int]:
    """Seconds between runs per schedule entry: ``NAME`` (full runs) and ``NAME:incremental``.

    ``overrides`` (from settings) replace the registry's defaults; 0 switches an entry off.

    >>> schedule_of({"social": 0})["social"], schedule_of({})["households:incremental"]
    (0, 10)
    >>> schedule_of({"nope": 5})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown schedule entry 'nope'; known: households, households:incremental, ...
    """
    entries: dict[str, int] = {}
    for spec in jobs.values():
        entries[spec.name] = spec.every_s
        if spec.incremental:
            entries[f"{spec.name}:incremental"] = spec.incremental_every_s
    for key, seconds in overrides.items():
        if key not in entries:
            raise ValueError(f"unknown schedule entry {key!r}; known: {', '.join(entries)}")
        if seconds < 0:
            raise ValueError(f"schedule entry {key!r} must be >= 0 seconds, got {seconds}")
        entries[key] = int(seconds)
    return entries
