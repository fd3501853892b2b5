"""The IPv4 side of a DS-Lite home (graph.households.v4_side): IPv4-only devices join the home
whose IPv6 devices use their carrier address in the same hours, and no one else's."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from graph.households import assign_households
from graph.households.core import run_households
from graph.households.evidence import calibrate
from graph.households.v4_side import join_v4_sides
from graph.networks import PresenceTable
from graph.params import HouseholdParams
from tests.unit.test_graph_worlds import ds_lite_street, home, stay

OFF = replace(HouseholdParams(), join_v4_sides=False)


def _labels(rows: list[dict], p: HouseholdParams) -> dict[str, int]:
    t = PresenceTable.from_rows(rows)
    run = run_households(t, p)
    return dict(zip(t.device_keys.tolist(), run.labels.tolist()))


def test_the_ipv4_only_devices_of_a_ds_lite_home_join_the_home_whose_phones_use_their_address():
    on, off = _labels(ds_lite_street(), HouseholdParams()), _labels(ds_lite_street(), OFF)
    assert on["d0-tv"] == on["d0-ph"] >= 0  # remapped with its home in the second week
    assert on["d3-tv"] == on["d3-con"] == on["d3-ph"] >= 0  # a home moved every three days
    assert all(off[d] == -1 for d in ("d0-tv", "d3-tv", "d3-con"))  # no_home_network without it
    assert len({v for v in on.values() if v >= 0}) == 6  # no household made or merged


def test_two_homes_that_stay_on_one_carrier_address_are_not_told_apart():
    labels = _labels(ds_lite_street(), HouseholdParams())
    assert labels["d1-tv"] == -1  # homes 1 and 2 both use aftr1 all along


def test_a_joined_device_is_as_sure_as_one_window_together():
    out = assign_households(ds_lite_street())
    conf = {m["device"]: m["confidence"] for m in out["memberships"]}
    p = HouseholdParams()
    expected = round(float(calibrate(np.array([1 / p.confident_windows]), p.confidence_curve)[0]), 3)
    assert conf["d0-tv"] == expected
    assert {u["device"]: u["reason"] for u in out["unassigned"]} == {"d1-tv": "no_home_network"}


def test_a_household_of_ipv4_only_devices_joins_as_a_whole():
    t = PresenceTable.from_rows(ds_lite_street())
    run = run_households(t, OFF)
    code = {k: i for i, k in enumerate(t.device_keys.tolist())}
    labels = run.labels.copy()
    labels[[code["d3-tv"], code["d3-con"]]] = run.k  # a household of their own, behind the carrier only
    out, joined = join_v4_sides(t, run.net_class, labels, HouseholdParams())
    assert out[code["d3-tv"]] == out[code["d3-con"]] == out[code["d3-ph"]]
    assert int(out.max()) + 1 == run.k  # the carrier-only household is gone, the others renumbered
    assert joined.sum() == 3  # and home 0's TV


def test_a_phone_visiting_a_home_behind_a_carrier_ties_no_one():
    rows = home("v", "v6-v", members=(("ph", "phone"), ("tab", "tablet")), family=6)
    for i in range(50):  # homes behind one CGNAT address, without IPv6
        rows += home(f"c{i}", "cgnat")
    rows += stay("v-ph", "phone", "cgnat", range(0, 14, 2), [22])  # visits c0 .. c49's address
    labels = _labels(rows, HouseholdParams())
    assert labels == _labels(rows, OFF)


def test_a_household_of_ipv4_only_devices_seen_once_at_a_friends_still_joins_as_a_whole():
    """Home 3's console spends one evening at a friend's (an IPv4 home): one day on a home network
    against fourteen behind the carrier is a visit, and the carrier-only household still joins."""
    rows = ds_lite_street() + home("f", "f-net") + stay("d3-con", "console", "f-net", [5], [19])
    t = PresenceTable.from_rows(rows)
    run = run_households(t, OFF)
    code = {k: i for i, k in enumerate(t.device_keys.tolist())}
    labels = run.labels.copy()
    labels[[code["d3-tv"], code["d3-con"]]] = run.k
    out, _joined = join_v4_sides(t, run.net_class, labels, HouseholdParams())
    assert out[code["d3-tv"]] == out[code["d3-con"]] == out[code["d3-ph"]]
    strict = replace(HouseholdParams(), v4_side_home_day_share=0.0)  # any home day: lives there
    out, _ = join_v4_sides(t, run.net_class, labels, strict)
    assert out[code["d3-con"]] != out[code["d3-ph"]]


def test_a_guest_using_a_friends_carrier_address_from_the_friends_ipv6_home_follows_nothing():
    """A guest's phone on a DS-Lite friend's /64 (home 1's) reaches IPv4 through the friend's
    carrier address ``aftr1`` on five mornings, where home 0's TV lives in the first week: the /64
    is home 1's (more of its devices are there), so the guest's household follows nothing, and
    the TV still joins home 0 alone."""
    rows = ds_lite_street() + home("g", "g-net", members=(("tv", "tv"), ("ph", "phone")))
    for d in range(5):
        rows += stay("g-ph", "phone", "v6-1", [d], [10], family=6) + stay("g-ph", "phone", "aftr1", [d], [10])
    labels = _labels(rows, HouseholdParams())
    assert labels["d0-tv"] == labels["d0-ph"] >= 0
    assert labels["g-ph"] == labels["g-tv"] != labels["d1-ph"]
