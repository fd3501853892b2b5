"""Devices that left their household (graph.households.parting): the last days at a home of their
own, while the household is at its own, unassign them; a weekend at a friend's, a household of
two and a holiday together do not."""

from __future__ import annotations

from dataclasses import replace

from graph.households import assign_households
from graph.params import HouseholdParams
from tests.unit.test_graph_worlds import home, stay

FAMILY = (("tv", "tv"), ("tab", "tablet"), ("ph", "phone"))
LAST = [12, 13]


def _placed(rows: list[dict], p: HouseholdParams | None = None) -> tuple[dict[str, str], dict[str, str]]:
    out = assign_households(rows, p)
    return (
        {m["device"]: m["household_id"] for m in out["memberships"]},
        {u["device"]: u["reason"] for u in out["unassigned"]},
    )


def _moved_out(prefix: str, network: str, members=FAMILY) -> list[dict]:
    """A household whose phone spends the last two days of the data at ``network``."""
    net = "n" + prefix
    rows = home(prefix, net, members=[m for m in members if m[0] != "ph"])
    return (
        rows
        + stay(f"{prefix}-ph", "phone", net, range(12), [18, 19, 20])
        + stay(f"{prefix}-ph", "phone", network, LAST, [18, 19, 20])
    )


def test_a_phone_whose_last_days_are_at_a_flat_of_its_own_has_left_its_household():
    placed, reason = _placed(_moved_out("a", "flat") + home("b", "nb"))
    assert reason == {"a-ph": "left_household"}
    assert placed["a-tv"] == placed["a-tab"] != placed["b-tv"]
    placed, reason = _placed(_moved_out("a", "flat"), replace(HouseholdParams(), parting_days=0))
    assert reason == {} and placed["a-ph"] == placed["a-tv"]


def test_a_weekend_at_a_friends_home_is_a_visit():
    placed, reason = _placed(_moved_out("a", "nb") + home("b", "nb"))
    assert reason == {} and placed["a-ph"] == placed["a-tv"] != placed["b-tv"]


def test_in_a_household_of_two_no_one_is_told_to_have_left():
    placed, reason = _placed(_moved_out("a", "flat", members=(("tv", "tv"), ("ph", "phone"))))
    assert reason == {} and placed["a-ph"] == placed["a-tv"]


def test_a_holiday_together_is_no_parting():
    rows = home("a", "na", days=range(12)) + home("a", "holiday-flat", days=LAST)
    placed, reason = _placed(rows)
    assert reason == {} and len(set(placed.values())) == 1
