"""Screens that are never in one home (graph.households.apart): two homes tied by a guest's phone
are cut apart between their TVs; two singles who move in together stay one home."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from graph.households.apart import apart_pairs, fixed_rows
from graph.households.core import assign_households, run_households
from graph.networks import PresenceTable
from graph.params import HouseholdParams
from tests.unit.test_graph_worlds import home, households_of, stay

NO_APART = replace(HouseholdParams(), min_apart_days=99)


def weekend_guest_world(a: str = "a", b: str = "b") -> list[dict]:
    """a's phone spends the last two days of a week at b's, all day; b's TV is seen on four days
    and b's tablet every evening, a's TV every evening at home."""
    rows = home(a, f"n{a}", days=range(5), members=(("tv", "tv"), ("ph", "phone")))
    rows += stay(f"{a}-tv", "tv", f"n{a}", [5, 6], [18, 19, 20])
    rows += home(b, f"n{b}", days=range(7), members=(("tab", "tablet"),))
    rows += home(b, f"n{b}", days=[1, 3, 5, 6], members=(("tv", "tv"),))
    rows += stay(f"{a}-ph", "phone", f"n{b}", [5, 6], range(9, 23))
    return rows


def _homes(rows: list[dict], p: HouseholdParams | None = None) -> list[list[str]]:
    return sorted(sorted(x) for x in households_of(assign_households(rows, p)).values())


def test_a_weekend_guest_does_not_join_two_homes():
    """Without the rule the guest's phone takes b's home and leaves its own TV alone."""
    assert _homes(weekend_guest_world(), NO_APART) == [["a-ph", "b-tab", "b-tv"]]
    assert _homes(weekend_guest_world()) == [["a-ph", "a-tv"], ["b-tab", "b-tv"]]


def test_singles_who_move_in_together_stay_one_home():
    """Apart for four days, together for three: the TVs are of one home now."""
    rows = home("a", "na", days=range(4)) + home("b", "nb", days=range(4))
    rows += home("a", "nb", days=range(4, 7)) + home("b", "nb", days=range(4, 7))
    t = PresenceTable.from_rows(rows)
    run = run_households(t, HouseholdParams())
    assert [
        len(x)
        for x in apart_pairs(fixed_rows(t, run.net_class, run.params), np.zeros(t.n_devices, int), run.params)
    ] == [0, 0]
    assert _homes(rows)[-1] == ["a-ph", "a-tab", "a-tv", "b-ph", "b-tab", "b-tv"]


def test_a_lease_handed_over_within_an_hour_is_not_together():
    """Two homes' TVs on one address in one hour (the lease changed hands) on one day are still
    apart; on two days they are not."""
    rows = stay("a-tv", "tv", "na", range(7), [19]) + stay("b-tv", "tv", "nb", range(7), [19])
    rows += stay("a-tv", "tv", "x", [3], [7]) + stay("b-tv", "tv", "x", [3], [7])
    t = PresenceTable.from_rows(rows)
    net_class = np.zeros(len(t.network_keys), np.int8)  # every network a home
    p = HouseholdParams()
    assert [x.tolist() for x in apart_pairs(fixed_rows(t, net_class, p), np.zeros(2, int), p)] == [[0], [1]]
    t = PresenceTable.from_rows(rows + stay("a-tv", "tv", "x", [4], [7]) + stay("b-tv", "tv", "x", [4], [7]))
    assert [len(x) for x in apart_pairs(fixed_rows(t, net_class, p), np.zeros(2, int), p)] == [0, 0]


def test_only_screens_that_stay_home_are_apart():
    """The same two devices as phones (people carry them) are never apart."""
    rows = stay("a-ph", "phone", "na", range(7), [19]) + stay("b-ph", "phone", "nb", range(7), [19])
    t = PresenceTable.from_rows(rows)
    p = HouseholdParams()
    got = apart_pairs(fixed_rows(t, np.zeros(2, np.int8), p), np.zeros(2, int), p)
    assert [len(x) for x in got] == [0, 0]


def test_a_component_with_more_screens_than_a_home_has_is_not_searched():
    """Pairs grow as the square of the screens: past ``max_apart_screens`` (a hotel) none are read."""
    rows = [r for i in range(6) for r in stay(f"tv{i}", "tv", f"n{i}", range(7), [19])]
    t = PresenceTable.from_rows(rows)
    net_class = np.zeros(len(t.network_keys), np.int8)
    fixed = fixed_rows(t, net_class, HouseholdParams())
    assert len(apart_pairs(fixed, np.zeros(6, int), HouseholdParams())[0]) == 15
    assert len(apart_pairs(fixed, np.zeros(6, int), replace(HouseholdParams(), max_apart_screens=5))[0]) == 0
