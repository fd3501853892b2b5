"""Households computed elsewhere (the Spark engine's Parquet output) into Neo4j, with the same
stable ids and lineage as a run of the household job."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.households.ids import stable_ids
from graph.jobs.households import write_assignment
from graph.jobs.reads import current_assignment
from graph.jobs.runs import JobContext, run_job_with_record
from graph.params import HouseholdParams

__all__ = ["import_memberships", "restamp"]


def restamp(
    out: dict[str, list[dict[str, Any]]], previous: Mapping[str, str] | None, p: HouseholdParams | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Give the households of ``out`` (in the core's label order) stable ids and lineage
    against ``previous`` (``device -> household_id``), as :func:`graph.households.household_rows` does.

    >>> out = {"households": [{"household_id": "x", "devices": ["a", "b"]},
    ...                       {"household_id": "y", "devices": ["c"]}],
    ...        "memberships": [{"device": "a", "household_id": "x"}, {"device": "c", "household_id": "y"}]}
    >>> new = restamp(out, {"a": "H1", "b": "H1"})
    >>> [(h["household_id"], h["lineage"]) for h in new["households"]], new["memberships"][0]["household_id"]
    ([('H1', 'same'), ('hh-2e7d2c03a9507ae2', 'new')], 'H1')
    """
    ids = stable_ids([h["devices"] for h in out["households"]], previous, p)
    rename = {h["household_id"]: i["household_id"] for h, i in zip(out["households"], ids)}
    households = [
        {**h, "household_id": i["household_id"], "lineage": i["lineage"], "previous": i["previous"]}
        for h, i in zip(out["households"], ids)
    ]
    memberships = []
    for m in out["memberships"]:
        m = {**m, "household_id": rename[m["household_id"]]}
        if isinstance(m.get("evidence"), dict):
            m["evidence"] = dict(m["evidence"])
        memberships.append(m)
    return {
        **out,
        "households": sorted(households, key=lambda h: h["household_id"]),
        "memberships": memberships,
    }


def import_memberships(
    client,
    out: dict[str, list[dict[str, Any]]],
    params: HouseholdParams | None = None,
    progress: Callable[[str], None] | None = None,
    source: str = "",
) -> JobContext:
    """Write a Spark household run's output (``graph.spark.files.read_output``) into the graph
    as a full household run (a run record under the job's lock; ids matched against the stored
    assignment)."""
    p = params or HouseholdParams()

    def body(ctx: JobContext) -> None:
        previous = current_assignment(client)
        stamped = restamp(out, previous, p)
        client.write("jobs/write_network_classes", stamped["networks"], run=ctx.run_id)
        write_assignment(ctx, stamped, full=True)
        ctx.counts["mode"] = "imported"
        ctx.counts["source"] = source
        ctx.progress(f"households: {ctx.counts['households']:,} imported from {source}")

    return run_job_with_record(client, "households", body, params={"imported": source}, progress=progress)
