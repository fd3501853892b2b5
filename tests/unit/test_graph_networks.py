"""Network classification from presence profiles."""

from __future__ import annotations

import numpy as np

from graph.networks import PresenceTable, classify_networks, sorted_runs
from graph.params import NETWORK_CLASSES
from tests.unit.test_graph_worlds import home, stay


def test_home_with_tv_is_home():
    cls = classify_networks(home("a", "n1"))
    assert cls["n1"][0] == "home"
    assert cls["n1"][1]["tvs"] == 1.0


def test_cgnat_with_many_living_rooms_is_cgnat():
    rows = []
    for i in range(50):
        rows += home(f"h{i}", "cg")
    cls, ev = classify_networks(rows)["cg"]
    assert cls == "cgnat"
    assert ev["max_concurrent_tvs"] == 50


def test_office_is_workplace():
    rows = []
    for i in range(12):
        rows += stay(f"w{i}", "phone" if i % 2 else "desktop", "office", range(5), range(8, 16))
    assert classify_networks(rows)["office"][0] == "workplace"


def test_small_office_without_tv_is_workplace():
    rows = stay("w1", "desktop", "o", range(5), range(8, 16)) + stay(
        "w2", "phone", "o", range(5), range(8, 16)
    )
    assert classify_networks(rows)["o"][0] == "workplace"


def test_cafe_with_passers_by_is_public():
    rows = []
    for d in range(7):
        for i in range(12):
            rows += stay(f"c{d}-{i}", "laptop" if i % 3 else None, "cafe", [d], [9 + i % 6])
    assert classify_networks(rows)["cafe"][0] in ("public", "mobile")


def test_mobile_carrier_address_is_mobile():
    rows = []
    for i in range(140):  # 20 different phones a day, each for an hour or two, never again
        rows += stay(f"m{i}", "phone", "carrier", [i % 7], [7 + i % 12, 8 + i % 12])
    assert classify_networks(rows)["carrier"][0] == "mobile"


def test_daily_reassigned_home_address_is_still_home():
    rows = []
    for d in range(14):  # another home each day, phones only
        rows += stay(f"h{d}-a", "phone", "dyn", [d], [18, 19]) + stay(
            f"h{d}-b", "phone", "dyn", [d], [19, 20]
        )
    assert classify_networks(rows)["dyn"][0] == "home"


def test_too_little_data_is_unknown():
    assert classify_networks(stay("x", "phone", "n", [0], [12]))["n"][0] == "unknown"


def test_classes_and_evidence_are_plain_json():
    import json

    out = classify_networks(home("a", "n1") + stay("x", "phone", "n2", [0], [12]))
    json.dumps(out)
    assert all(c in NETWORK_CLASSES for c, _ in out.values())


def test_table_is_independent_of_row_order():
    rows = home("a", "n1", days=[0, 1]) + home("b", "n2", days=[1, 2])
    t1, t2 = PresenceTable.from_rows(rows), PresenceTable.from_rows(rows[::-1])
    assert t1.dev.tolist() == t2.dev.tolist() and t1.hour.tolist() == t2.hour.tolist()


def test_sorted_runs_matches_numpy_unique():
    a = np.random.default_rng(0).integers(0, 50, 1000)
    u, c = np.unique(a, return_counts=True)
    su, sc = sorted_runs(a)
    assert su.tolist() == u.tolist() and sc.tolist() == c.tolist()


BIG_FAMILY = tuple((f"tv{i}", "tv") for i in range(3)) + tuple((f"d{i}", "phone") for i in range(15))


def test_big_family_on_its_own_address_is_home_not_cgnat():
    # 18 devices a day (more than a home's 16) and 3 TVs at once, but the same devices every day
    cls, ev = classify_networks(home("big", "static", days=range(7), members=BIG_FAMILY))["static"]
    assert ev["max_concurrent_tvs"] == 3 and ev["max_devices_per_day"] == 18
    assert cls == "home"


def test_homes_coming_and_going_on_a_carrier_address_stay_cgnat():
    # the same 3 TVs at once and 18 devices a day, but another set of homes every other day
    rows = []
    for d in range(7):
        for i in range(3):
            members = (("tv", "tv"),) + tuple((f"d{j}", "phone") for j in range(5))
            rows += home(f"h{d // 2}-{i}", "cg", days=[d], members=members)
    cls, ev = classify_networks(rows)["cg"]
    assert ev["max_devices_per_day"] == 18 and ev["devices"] > 1.25 * 18
    assert cls == "cgnat"


def test_settled_address_with_many_living_rooms_at_once_is_still_cgnat():
    # a carrier that never remaps (deterministic NAT): 6 homes' TVs at once on one address
    rows = []
    for i in range(6):
        rows += home(f"h{i}", "cg", days=range(7), members=(("tv", "tv"), ("a", "phone"), ("b", "phone")))
    assert classify_networks(rows)["cg"][0] == "cgnat"


def _dual_stack(prefix: str, v4: str, v6_by_day: dict[int, str], hours=(18, 19, 20)) -> list[dict]:
    """A TV on IPv6 only and a phone on both IPv4 and IPv6 (a service without IPv6), per day's /64."""
    rows = []
    for d, v6 in v6_by_day.items():
        rows += stay(f"{prefix}-tv", "tv", v6, [d], hours, family=6)
        rows += stay(f"{prefix}-ph", "phone", v6, [d], hours, family=6)
        rows += stay(f"{prefix}-ph", "phone", v4, [d], hours)
    return rows


def test_ipv4_shared_by_homes_with_their_own_ipv6_is_a_carrier_address():
    # DS-Lite: two homes' /64s, one AFTR address; two phones a day look like one small home by counts
    rows = _dual_stack("a", "aftr", {d: "v6a" for d in range(4)})
    rows += _dual_stack("b", "aftr", {d: "v6b" for d in range(4)})
    cls = classify_networks(rows)
    assert cls["aftr"][1]["shared_v4_days"] == 4 and cls["aftr"][0] == "cgnat"
    assert cls["v6a"][0] == cls["v6b"][0] == "home"


def test_native_dual_stack_home_with_a_renewed_prefix_keeps_its_ipv4():
    # one home, its /64 renewed every night, so two /64s on its IPv4 address every day (the
    # old one until the renewal hour, the new one after): its devices use both that day
    rows = []
    for d in range(4):
        rows += _dual_stack("h", "v4", {d: f"p{d}"}, hours=(1, 2))
        rows += _dual_stack("h", "v4", {d: f"p{d + 1}"}, hours=(2, 18, 19))
    cls = classify_networks(rows)
    assert cls["v4"][1]["shared_v4_days"] == 0 and cls["v4"][0] == "home"
