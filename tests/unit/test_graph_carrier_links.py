"""Links seen only behind carriers (graph.carrier_links): the posterior against a brute-force
oracle, and end to end through graph.social on households that all live behind CGNAT."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import numpy as np
import pytest

from graph.carrier_links import carrier_link_pairs, pair_log_odds, visit_weights
from graph.params import SocialParams
from graph.social import social_links
from tests.unit.test_graph_worlds import home, stay


def _oracle(rows, households: int, friends: float) -> dict[tuple[int, int], float]:
    """The module docstring's posterior, one visit and one pair at a time."""
    q = 1.0 / friends
    cands, n, nets = defaultdict(set), defaultdict(int), defaultdict(list)
    for a, c, date, net, n_day in rows:
        cands[(a, date)].add(c)
        n[(a, date)] = max(n[(a, date)], n_day)
        nets[(a, date)].append(net)
    visits_of = defaultdict(int)
    for a, _ in cands:
        visits_of[a] += 1
    best, naming = defaultdict(dict), defaultdict(int)
    for (a, date), cs in cands.items():
        k, first = len(cs), min(nets[(a, date)])
        w = math.log(1 - q + q * max(n[(a, date)], k) / k)
        for c in cs:
            p = (min(a, c), max(a, c))
            best[p][first] = max(best[p].get(first, -math.inf), w)
            naming[p] += 1
    return {
        p: math.log(friends / households)
        + sum(g.values())
        + math.log(1 - q) * (visits_of[p[0]] + visits_of[p[1]] - naming[p])
        for p, g in best.items()
    }


@pytest.mark.parametrize("seed", range(20))
def test_pair_log_odds_equal_a_brute_force_oracle(seed):
    rng = random.Random(seed)
    n_hh = rng.randint(3, 12)
    rows = []
    for _ in range(rng.randint(1, 40)):
        a, c = rng.sample(range(n_hh), 2)
        date = rng.randint(0, 6)
        rows.append((a, c, date, rng.randint(0, 4), 20 + 5 * date))
    cols = [np.array(x) for x in zip(*rows)]
    lo, hi, odds = pair_log_odds(*visit_weights(*cols), households=n_hh, friends=3.0)
    want = _oracle(rows, n_hh, 3.0)
    assert sorted(want) == list(zip(lo.tolist(), hi.tolist()))
    assert odds.tolist() == pytest.approx([want[p] for p in zip(lo.tolist(), hi.tolist())])
    sp = SocialParams(carrier_link_posterior=0.6)
    assert carrier_link_pairs(*cols, n_hh, sp) == {p for p, v in want.items() if v >= math.log(0.6 / 0.4)}


def test_no_visits_no_pairs():
    z = np.zeros(0, np.int64)
    assert carrier_link_pairs(z, z, z, z, z, 10, SocialParams()) == set()


@pytest.mark.parametrize("bad", [{"carrier_friends": 1.0}, {"carrier_link_posterior": 1.0}])
def test_bad_carrier_params_are_a_clear_error(bad):
    with pytest.raises(ValueError, match="carrier_"):
        SocialParams(**bad)


def _carrier_world(b_addresses: list[str]):
    """40 households behind CGNAT, two per address (h00+h01 on cg0, ...), and household ``v`` on
    its own home network; ``b`` (h00) lives on ``b_addresses[i]`` in week part i (days 0-4, 5-9,
    10-13); v's phone visits b on days 2, 7 and 12 late in the evening."""
    rows = home("v", "netV")
    parts = [range(5), range(5, 10), range(10, 14)]
    for i in range(40):
        for d in range(14):
            net = f"cg{i // 2:02d}"
            if i == 0:
                net = next(a for a, p in zip(b_addresses, parts) if d in p)
            rows += stay(f"h{i:02d}-tv", "tv", net, [d], [17, 18, 19, 20, 21, 22])
    for d in (2, 7, 12):
        net = next(a for a, p in zip(b_addresses, parts) if d in p)
        rows += stay("v-ph", "phone", net, [d], [21, 22])  # after the evening at home
    assignment = {r["device"]: r["device"].split("-")[0] for r in rows}
    classes = {r["network"]: "home" if r["network"] == "netV" else "cgnat" for r in rows}
    return rows, assignment, classes


def test_a_friend_followed_over_three_carrier_addresses_is_a_link():
    # b moves cg00 -> cg01 -> cg02: v's visits name {b, h01}, {b, h02, h03}, {b, h04, h05}; of the
    # 40 households behind CGNAT only b is named thrice (posterior 0.93 with 41 households)
    rows, assignment, classes = _carrier_world(["cg00", "cg01", "cg02"])
    links = social_links(rows, assignment, net_class=classes)
    pairs = [(x["household_a"], x["household_b"]) for x in links]
    assert pairs == [("h00", "v")]
    ev = links[0]["evidence"]
    assert links[0]["visits"] == 3 and ev["cgnat_visits"] == 3 and ev["visits_a_to_b"] == 0


def test_visits_to_one_carrier_address_name_all_its_households_alike():
    # b stays on cg00 with h01: three namings of both on one address count once, for either
    rows, assignment, classes = _carrier_world(["cg00", "cg00", "cg00"])
    assert social_links(rows, assignment, net_class=classes) == []
    # and the rule off (posterior ~1): no link from carrier visits alone, as before
    rows, assignment, classes = _carrier_world(["cg00", "cg01", "cg02"])
    off = SocialParams(carrier_link_posterior=1 - 1e-12)
    assert social_links(rows, assignment, off, net_class=classes) == []
