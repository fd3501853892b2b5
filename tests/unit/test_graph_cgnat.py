"""Homes behind carrier-grade NAT: separated by moving between the carrier's addresses together."""

from __future__ import annotations

import numpy as np

from graph.households import assign_households
from graph.households.cgnat import cgnat_pairs
from graph.households.copresence import _hour_tables
from graph.networks import CGNAT, HOME, PresenceTable
from graph.params import DEVICE_TYPES, HouseholdParams
from tests.unit.test_graph_worlds import home, households_of


def _pairs(rows: list[dict], cgnat: set[str], p: HouseholdParams | None = None) -> set[tuple[str, str]]:
    p = p or HouseholdParams()
    t = PresenceTable.from_rows(rows)
    cls = np.array([CGNAT if k in cgnat else HOME for k in t.network_keys], dtype=np.int8)
    hidx, win_h, _, w0, _ = _hour_tables(t.hour, p)
    cg = cgnat_pairs(t, cls, win_h, hidx, w0, p)
    return {(t.device_keys[a], t.device_keys[b]) for a, b in zip(cg.a.tolist(), cg.b.tolist())}


def _moving_home(prefix: str, addresses: list[str]) -> list[dict]:
    rows = []
    for day, addr in enumerate(addresses):
        rows += home(prefix, addr, days=[day])
    return rows


def _pool_homes(days: int) -> list[dict]:
    """Other homes of the carrier's pool: sharing an address is evidence only against them."""
    rows = []
    for name, seq in [("p", "XYXYZZXY"), ("q", "YYXZXYZX"), ("r", "ZXYXYZYZ")]:
        rows += _moving_home(name, list(seq[:days]))
    return rows


def test_two_homes_on_one_address_part_at_the_remap_and_each_home_stays_together():
    # both homes behind X for two days, then the carrier remaps them to different addresses
    rows = _moving_home("a", ["X", "X", "Y", "Y", "Y", "X"]) + _moving_home(
        "b", ["X", "X", "Z", "Z", "X", "X"]
    )
    pairs = _pairs(rows + _pool_homes(6), {"X", "Y", "Z"}) - _pairs(_pool_homes(6), {"X", "Y", "Z"})
    assert pairs == {
        ("a-ph", "a-tab"),
        ("a-ph", "a-tv"),
        ("a-tab", "a-tv"),
        ("b-ph", "b-tab"),
        ("b-ph", "b-tv"),
        ("b-tab", "b-tv"),
    }


def test_homes_that_move_together_once_but_then_part_are_not_linked():
    rows = _moving_home("c", ["X", "X", "Y", "Y", "Z", "Z", "X", "Z"]) + _moving_home(
        "d", ["X", "X", "Y", "Y", "X", "X", "Z", "Y"]
    )
    pairs = _pairs(rows + _pool_homes(8), {"X", "Y", "Z"}) - _pairs(_pool_homes(8), {"X", "Y", "Z"})
    assert {tuple(sorted({x.split("-")[0] for x in pr})) for pr in pairs} == {("c",), ("d",)}


def test_a_tv_is_never_away_for_a_day_so_homes_that_part_on_the_last_day_are_two():
    """Homes e and f move together X -> Y -> Z -> X, then part on the last day, TVs and all. Seven
    of eight days agree (above ``cgnat_min_agreement``), but a TV does not spend a day at a
    friend's: no pair across the homes holds a TV (their phones and tablets may be visiting). With
    every type carried (the old rule) the TVs pair across the homes."""
    rows = _moving_home("e", list("XXYYZZXY")) + _moving_home("f", list("XXYYZZXZ")) + _pool_homes(8)
    cross = lambda pairs: {
        pr for pr in pairs if pr[0][0] != pr[1][0] and not {pr[0][0], pr[1][0]} - {"e", "f"}
    }
    held = cross(_pairs(rows, {"X", "Y", "Z"}))
    assert held and not any(d.endswith("-tv") for pr in held for d in pr)  # phones and tablets: a visit?
    old = cross(_pairs(rows, {"X", "Y", "Z"}, HouseholdParams(carried_types=DEVICE_TYPES)))
    assert {pr for pr in old if any(d.endswith("-tv") for d in pr)}


def test_a_phone_away_a_whole_day_keeps_its_carried_housemates_not_its_tv():
    """g's phone spends day 3 at a friend's behind Z (not at home that day): a visit between the
    phone and the tablet, a disagreement between the phone and the TV."""
    seq = list("XXYYYYZZ")
    rows = _pool_homes(8)
    for day, addr in enumerate(seq):
        members = [("tv", "tv"), ("tab", "tablet")] + ([("ph", "phone")] if day != 3 else [])
        rows += home("g", addr, days=[day], members=members)
    rows += home("g", "Z", days=[3], members=[("ph", "phone")])
    pairs = {pr for pr in _pairs(rows, {"X", "Y", "Z"}) if pr[0][0] == pr[1][0] == "g"}
    assert pairs == {("g-ph", "g-tab"), ("g-tab", "g-tv")}


def test_homes_that_never_move_give_no_pairs():
    rows = _moving_home("a", ["X"] * 7) + _moving_home("b", ["X"] * 7)
    assert _pairs(rows, {"X"}) == set()


def test_not_cgnat_networks_are_not_read():
    rows = _moving_home("a", ["X", "X", "Y", "Y", "Y", "X"])
    assert _pairs(rows, set()) == set()


def test_cgnat_world_is_recovered_without_merging_homes():
    # 60 homes on 6 carrier addresses, each remapped on about a third of the days
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        addr = int(rng.integers(6))
        seq = []
        for _ in range(14):
            if rng.random() < 0.35:
                addr = int(rng.integers(6))
            seq.append(f"cg{addr}")
        rows += _moving_home(f"h{i:02d}", seq)
    out = assign_households(rows)
    hh = households_of(out)
    assert all(len({d.split("-")[0] for d in members}) == 1 for members in hh.values())  # never merged
    exact = sum(1 for members in hh.values() if len(members) == 3)
    assert exact >= 50


def test_an_unknown_carried_type_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="carried_types: unknown device types \\['watch'\\]"):
        HouseholdParams(carried_types=("phone", "watch"))
