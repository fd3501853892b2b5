"""Social links: visits to another household's home network, never shared-network co-presence."""

from __future__ import annotations

import json

from graph.households import assign_households
from graph.social import social_links
from tests.unit.test_graph_worlds import T0, H, home, stay


def _assignment(rows):
    return {m["device"]: m["household_id"] for m in assign_households(rows)["memberships"]}


def _two_homes():
    return home("a", "na") + home("b", "nb")


def _links(rows):
    return social_links(rows, _assignment(rows))


def test_three_evening_visits_make_a_link():
    rows = _two_homes() + stay("a-ph", "phone", "nb", [2, 5, 9], [19, 20])
    links = _links(rows)
    assert len(links) == 1
    link = links[0]
    assert link["household_a"] < link["household_b"]
    assert link["visits"] == 3 and link["weight"] == 3.0
    assert link["first_seen"] == T0 + (2 * 24 + 19) * H
    assert link["last_seen"] == T0 + (9 * 24 + 20) * H
    assert link["evidence"]["visiting_devices"] == ["a-ph"]
    json.dumps(links)


def test_one_visit_makes_no_link():
    rows = _two_homes() + stay("a-ph", "phone", "nb", [2], [19, 20])
    assert _links(rows) == []


def test_same_evening_twice_is_one_occasion():
    rows = _two_homes() + stay("a-ph", "phone", "nb", [2], [18, 19, 20, 21])
    assert _links(rows) == []


def test_office_colleagues_are_not_linked():
    rows = _two_homes()
    for dev in ("a-ph", "b-ph"):
        for i in range(6):
            rows += stay(
                f"{dev}" if i == 0 else f"w{dev}{i}",
                "phone",
                "office",
                [d for d in range(14) if d % 7 < 5],
                range(8, 16),
            )
    assert _links(rows) == []


def test_cgnat_neighbours_are_not_linked():
    rows = []
    for i in range(20):
        rows += home(f"h{i}", f"v6-{i}") + home(f"h{i}", "cgnat")
    assert _links(rows) == []


def test_reassigned_address_is_not_a_visit():
    # X is A's address in week one, B's in week two: A's devices were never there with B's
    rows = (
        home("a", "X", days=range(7))
        + home("a", "Y", days=range(7, 14))
        + home("b", "Z", days=range(7))
        + home("b", "X", days=range(7, 14))
        + stay("a-ph", "phone", "X", [6, 7], [2])
    )  # A's phone lingers at the lease change
    assert _links(rows) == []


def test_daily_reassignment_in_the_evening_is_no_visit():
    """Leases change hands at 20:00: the old holder's last hour and the new holder's first are
    the same hour bucket, and the address comes back to an earlier holder two days later."""
    rows = []
    owners = ["a", "b", "c", "a", "b", "c", "a", "b"]  # holder of address X on each day
    for day, who in enumerate(owners):
        rows += stay(f"{who}-tv", "tv", "X", [day], range(20, 24))
        rows += stay(f"{who}-ph", "phone", "X", [day + 1], range(7, 21))
        rows += stay(f"{who}-tv", "tv", "X", [day + 1], range(18, 21))
    for who in "abc":
        rows += home(who, f"own-{who}", days=range(8, 14))
    assert _links(rows) == []


def test_visit_inside_the_hosts_evening_is_found_on_a_busy_address():
    rows = _two_homes() + stay("a-ph", "phone", "nb", [2, 5], [19, 20, 21])
    assert [x["visits"] for x in _links(rows)] == [2]


def test_visit_while_the_hosts_devices_are_quiet_counts_when_they_are_there_before_and_after():
    rows = (
        home("a", "na")
        + stay("b-tv", "tv", "nb", range(14), [8, 23])
        + stay("b-ph", "phone", "nb", range(14), [7, 23])
        + stay("a-ph", "phone", "nb", [2, 5], [17, 18, 19])
    )
    assert [x["visits"] for x in _links(rows)] == [2]


def test_visits_in_both_directions_add_up():
    rows = (
        _two_homes()
        + stay("a-ph", "phone", "nb", [2], [19, 20])
        + stay("b-tab", "tablet", "na", [4], [19, 20])
    )
    links = _links(rows)
    assert len(links) == 1
    ev = links[0]["evidence"]
    assert links[0]["visits"] == 2 and ev["visits_a_to_b"] + ev["visits_b_to_a"] == 2


def _visit_rows(dev, typ, net, days, at=19):
    H = 3_600_000
    return [
        {
            "device": dev,
            "device_type": typ,
            "network": net,
            "family": 4,
            "hour": (at + 24 * d) * H,
            "events": 1,
        }
        for d in days
    ]


def test_visit_to_a_home_behind_cgnat_counts_with_a_home_visit_the_other_way():
    from graph.social import social_links

    base = (
        _visit_rows("tvA", "tv", "netA", range(7), at=18)
        + _visit_rows("tvA", "tv", "netA", range(7), at=21)  # the host is home before and after
        + _visit_rows("phA", "phone", "netA", [0, 1, 2, 3, 4, 6])
        + _visit_rows("tvB", "tv", "cg1", range(7))
        + _visit_rows("phB", "phone", "cg1", [0, 1, 2, 4, 5, 6])
        + _visit_rows("tvC", "tv", "cg1", range(7))
    )
    classes = {"netA": "home", "cg1": "cgnat"}
    assignment = {"tvA": "A", "phA": "A", "tvB": "B", "phB": "B", "tvC": "C"}
    visit_b = _visit_rows("phA", "phone", "cg1", [5])  # A visits someone behind cg1: B or C
    visit_a = _visit_rows("phB", "phone", "netA", [3])  # B visits A's home
    links = social_links(base + visit_b + visit_a, assignment, net_class=classes)
    assert [
        (x["household_a"], x["household_b"], x["visits"], x["evidence"]["cgnat_visits"]) for x in links
    ] == [("A", "B", 2, 1)]
    # a visit behind CGNAT alone is no link: the host is one of several
    assert (
        social_links(base + visit_b + _visit_rows("phA", "phone", "cg1", [6]), assignment, net_class=classes)
        == []
    )


def test_ds_lite_fallback_is_living_not_visiting_behind_cgnat():
    """A dual-stack phone of an IPv6 home reaches a service over the shared IPv4 most days:
    that is its own home's IPv4 side, not a visit; a phone there on two evenings is a visitor."""
    import numpy as np

    from graph.households.core import as_table
    from graph.params import HouseholdParams, SocialParams
    from graph.social import _cgnat_visits

    rows = (
        home("a", "na")
        + home("c", "nc")
        + stay("b-tv", "tv", "X", range(14), [18, 19, 20])
        + stay("b-ph", "phone", "X", range(14), [19, 20])
        + stay("a-ph", "phone", "X", range(0, 14, 2), [21])  # fallback, every other day, 21:00
        + stay("c-ph", "phone", "X", [3, 9], [22])
    )  # two evenings at b's
    t = as_table(rows)
    hh = {"a": 0, "b": 1, "c": 2}
    dev_hh = np.array([hh[str(k)[0]] for k in t.device_keys])
    cls = np.array([1 if k == "X" else 0 for k in t.network_keys], dtype=np.int8)  # X is CGNAT
    visitor, host, device, *_ = _cgnat_visits(t, cls, dev_hh, SocialParams(), HouseholdParams())
    assert {str(t.device_keys[d]) for d in device} == {"c-ph"}
    assert set(host.tolist()) == {1} and set(visitor.tolist()) == {2}


def test_a_ds_lite_phone_visiting_a_carrier_friend_is_visiting_not_moving_in():
    """A dual-stack phone of a DS-Lite home, behind its home's IPv4 side most days, spends an
    evening at a friend's behind another carrier address: there the friend's address is its most
    used of the day, yet its home's IPv4 side shows only in the hours it is at home (on its /64)."""
    import numpy as np

    from graph.households.core import as_table
    from graph.params import HouseholdParams, SocialParams
    from graph.social import _cgnat_visits

    days = [d for d in range(7) if d != 3]
    rows = (
        stay("a-ph", "phone", "a6", days, [19, 20, 21], family=6)
        + stay("a-ph", "phone", "Y", days, [20])  # its home's IPv4 side, in the hours it is home
        + stay("a-ph", "phone", "X", [3], [19, 20, 21])  # day 3 at b's, behind X
        + stay("b-tv", "tv", "X", range(7), [18, 19, 20, 21, 22])
        + stay("b-ph", "phone", "X", range(7), [19, 20])
    )
    t = as_table(rows)
    dev_hh = np.array([0 if str(k).startswith("a") else 1 for k in t.device_keys])
    cls = np.array([0 if k == "a6" else 1 for k in t.network_keys], dtype=np.int8)  # X, Y: CGNAT
    visitor, host, device, *_ = _cgnat_visits(t, cls, dev_hh, SocialParams(), HouseholdParams())
    assert {str(t.device_keys[d]) for d in device} == {"a-ph"}
    assert set(visitor.tolist()) == {0} and set(host.tolist()) == {1}
    assert len(device) == 3  # the evening's three hours, none of its home's


def test_a_household_seen_on_an_address_one_evening_hosts_no_one():
    """Two guests meeting where neither lives (a party, a café's address read as a home): the one
    who stayed longer is no host. A host lives on the address: seen there in two windows."""
    from graph.params import SocialParams

    rows = (
        _two_homes()
        + home("c", "nc")
        + stay("c-tab", "tablet", "P", [2], range(17, 23))
        + stay("c-tab", "tablet", "Q", [5], range(17, 23))
        + stay("a-ph", "phone", "P", [2], [19, 20])
        + stay("a-ph", "phone", "Q", [5], [19, 20])
    )
    assignment = _assignment(rows)
    assert social_links(rows, assignment) == []
    once = social_links(rows, assignment, SocialParams(min_host_windows=1))
    assert [(x["household_a"], x["household_b"], x["visits"]) for x in once] == [
        tuple(sorted((assignment["a-ph"], assignment["c-tab"]))) + (2,)
    ]


def _weekend_world(guest: str, typ: str, a: str = "a", b: str = "b"):
    """a's ``guest`` device at b's from Friday 18:00 to Sunday 22:00 (days 10-12), b's TV there
    throughout; otherwise at home with a's TV and tablet."""
    everyday = [d for d in range(14) if d not in (10, 11, 12)]
    return (
        home(a, f"n{a}", members=(("tv", "tv"), ("tab", "tablet")))
        + stay(guest, typ, f"n{a}", everyday, [18, 19, 20])
        + home(b, f"n{b}")
        + stay(f"{b}-tv", "tv", f"n{b}", [10, 11, 12], [8, 14, 23])
        + stay(guest, typ, f"n{b}", [10], [18, 20, 22])
        + stay(guest, typ, f"n{b}", [11, 12], range(0, 23, 2))
    )


def test_a_weekend_at_a_friends_is_a_visit():
    """Two days and nights with a friend (a 52-hour stay inside the host's): a visit on each date."""
    links = _links(_weekend_world("a-ph", "phone"))
    assert [(x["visits"], x["evidence"]["visiting_devices"]) for x in links] == [(3, ["a-ph"])]


def test_a_screen_that_stays_a_weekend_is_no_guest():
    """The same stay by a TV (``HouseholdParams.carried_types``: phones, not TVs): no visit, no link."""
    assert _links(_weekend_world("a-tv2", "tv")) == []


def test_a_day_long_lease_between_an_earlier_holders_is_no_weekend_visit():
    """X is a's, then b's for a day (b's phone and tablet there 07:00-23:00), a's again, b's again:
    a's devices bracket b's leases on both sides but are not there during them, so b's day-long
    stays of carried devices are no visits (a's stays there are no visits either: they hold a TV)."""
    import numpy as np

    from graph.households.core import as_table
    from graph.leases import visit_hosts
    from graph.params import HouseholdParams, SocialParams

    rows = []
    for day, who in enumerate("aaabaabaa"):
        members = (("tv", "tv"), ("ph", "phone")) if who == "a" else (("ph", "phone"), ("tab", "tablet"))
        rows += home(who, "X", days=[day], members=members, hours=range(7, 24))
    t = as_table(rows)
    hh = np.array([k.startswith("b") for k in t.device_keys.tolist()], dtype=np.int64)[t.dev]
    portable = np.isin(t.device_type[t.dev], HouseholdParams().carried_codes)
    assert (visit_hosts(t.net.astype(np.int64), hh, t.hour, SocialParams(), portable) == -1).all()
