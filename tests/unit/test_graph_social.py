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
            rows += stay(f"{dev}" if i == 0 else f"w{dev}{i}", "phone", "office",
                         [d for d in range(14) if d % 7 < 5], range(8, 16))
    assert _links(rows) == []


def test_cgnat_neighbours_are_not_linked():
    rows = []
    for i in range(20):
        rows += home(f"h{i}", f"v6-{i}") + home(f"h{i}", "cgnat")
    assert _links(rows) == []


def test_reassigned_address_is_not_a_visit():
    # X is A's address in week one, B's in week two: A's devices were never there with B's
    rows = (home("a", "X", days=range(7)) + home("a", "Y", days=range(7, 14))
            + home("b", "Z", days=range(7)) + home("b", "X", days=range(7, 14))
            + stay("a-ph", "phone", "X", [6, 7], [2]))  # A's phone lingers at the lease change
    assert _links(rows) == []


def test_visits_in_both_directions_add_up():
    rows = (_two_homes() + stay("a-ph", "phone", "nb", [2], [19, 20])
            + stay("b-tab", "tablet", "na", [4], [19, 20]))
    links = _links(rows)
    assert len(links) == 1
    ev = links[0]["evidence"]
    assert links[0]["visits"] == 2 and ev["visits_a_to_b"] + ev["visits_b_to_a"] == 2
