"""Incremental household runs held to the stored households: no flapping on a slice of the data."""

from __future__ import annotations

from graph.households import assign_households, household_rows, run_households
from graph.households.settle import settle_run
from graph.params import HouseholdParams
from tests.unit.test_graph_worlds import home, stay


def _incremental(rows, previous):
    run, ids = settle_run(run_households(rows), previous, HouseholdParams())
    return household_rows(run, previous, HouseholdParams(), ids=ids)


def _assignment(out):
    return {m["device"]: m["household_id"] for m in out["memberships"]}


def test_slice_without_the_housemates_keeps_every_device_where_it_was():
    rows = home("a", "na") + home("b", "nb")
    previous = _assignment(assign_households(rows))
    # the slice: a's phone and b's devices, and the phone on b's network late every evening
    part = [r for r in rows if r["device"] == "a-ph" or r["device"].startswith("b-")]
    part += stay("a-ph", "phone", "nb", range(14), [21, 22, 23])
    out = _incremental(part, previous)
    assert _assignment(out) == {d: previous[d] for d in _assignment(out)}
    assert {h["lineage"] for h in out["households"]} == {"same"}


def test_a_new_device_joins_the_stored_household_its_cluster_belongs_to():
    rows = home("a", "na")
    previous = _assignment(assign_households(rows))
    out = _incremental(rows + stay("a-new", "tablet", "na", range(14), [18, 19, 20]), previous)
    got = _assignment(out)
    assert got["a-new"] == previous["a-tv"]
    assert [h["lineage"] for h in out["households"]] == ["moved"]


def test_two_stored_households_never_merge_in_an_incremental_run():
    rows = home("a", "na") + home("b", "nb")
    previous = _assignment(assign_households(rows))
    # both homes suddenly share one network for the whole slice: only a full run may merge them
    shared = [{**r, "network": "nx"} for r in rows]
    got = _assignment(_incremental(shared, previous))
    assert got == previous
