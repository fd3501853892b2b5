"""Households computed elsewhere (the Spark engine's Parquet output) into Neo4j, with the same
stable ids and lineage as a run of the household job."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from graph.errors import GraphError
from graph.households.ids import stable_ids
from graph.jobs.households import write_assignment
from graph.jobs.reads import current_assignment
from graph.jobs.runs import JobContext, run_job_with_record
from graph.jobs.social import write_links
from graph.params import HouseholdParams

__all__ = ["import_links", "import_memberships", "remap_links", "restamp"]


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


class LinksUnmatched(GraphError):
    """Households of imported links whose members are not stored (``household_ids``)."""

    def __init__(self, household_ids: list[str]) -> None:
        self.household_ids = household_ids
        super().__init__(
            f"{len(household_ids)} households of the links are not in the graph (first: {household_ids[0]}); "
            "import the memberships of the same run first (hausgraph import memberships DIR)"
        )


def remap_links(
    links: list[dict[str, Any]], members: Mapping[str, str], stored: Mapping[str, str]
) -> tuple[list[dict[str, Any]], int]:
    """Links between the run's households (``members``: device -> run's id) as links between the
    stored households (``stored``: device -> stored id) the same devices belong to; the most
    common stored id of a household's members wins. Returns (links, links merged into another).

    >>> links = [{"household_a": "x", "household_b": "y", "visits": 2}]
    >>> remap_links(links, {"d1": "x", "d2": "y"}, {"d1": "H2", "d2": "H1"})
    ([{'household_a': 'H1', 'household_b': 'H2', 'visits': 2}], 0)
    """
    votes: dict[str, Counter] = {}
    for device, hid in members.items():
        if device in stored:
            votes.setdefault(hid, Counter())[stored[device]] += 1
    ids = {hid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for hid, c in votes.items()}
    missing = sorted({h for x in links for h in (x["household_a"], x["household_b"]) if h not in ids})
    if missing:
        raise LinksUnmatched(missing)
    best: dict[tuple[str, str], dict[str, Any]] = {}
    merged = 0
    for x in links:
        a, b = sorted((ids[x["household_a"]], ids[x["household_b"]]))
        if a == b:
            merged += 1
            continue
        y = {**x, "household_a": a, "household_b": b}
        if a != ids[x["household_a"]] and isinstance(x.get("evidence"), dict):  # the ends swapped
            ev = x["evidence"]
            y["evidence"] = {**ev, "visits_a_to_b": ev["visits_b_to_a"], "visits_b_to_a": ev["visits_a_to_b"]}
        if (a, b) in best:
            merged += 1
            if best[(a, b)]["visits"] >= y["visits"]:
                continue
        best[(a, b)] = y
    return sorted(best.values(), key=lambda r: (r["household_a"], r["household_b"])), merged


def import_links(
    client,
    links: list[dict[str, Any]],
    members: Mapping[str, str],
    progress: Callable[[str], None] | None = None,
    source: str = "",
) -> JobContext:
    """Write a Spark social run's links into the graph as a run of the ``social`` job, between
    the stored households of the same devices (:func:`remap_links`)."""

    def body(ctx: JobContext) -> None:
        out, merged = remap_links(links, members, current_assignment(client))
        write_links(ctx, out)
        ctx.counts.update(mode="imported", source=source, merged=merged)

    return run_job_with_record(client, "social", body, params={"imported": source}, progress=progress)
