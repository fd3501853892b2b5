"""Campaign metrics, plans and the affluence proxy: hand-made numbers and brute-force oracles."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest

from graph.campaigns.affluence import affluence_score
from graph.campaigns.metrics import campaign_reports, frequency_bucket, over_cap, rates, spend_of
from graph.campaigns.plan import PlanRefused, budget_split, parse_split, recommended_split
from graph.vocabulary import DAY_MS, DEVICE_TYPES


def test_the_five_formulas_on_hand_made_numbers():
    spend = spend_of({"cost_model": "cpm", "rate": 5.0}, 200_000, 500, 25)
    r = rates(200_000, 500, 25, spend, households=1)
    assert spend == pytest.approx(1000.0)
    assert round(r["ecpm"], 2) == 5.00
    assert round(r["cpc"], 2) == 2.00
    assert round(r["cpa"], 2) == 40.00
    assert f"{r['ctr']:.2%}" == "0.25%"
    assert f"{r['cvr']:.0%}" == "5%"


def test_undefined_ratios_are_none_not_errors():
    r = rates(0, 0, 0, None, 0)
    assert set(r.values()) == {None}


def _random_exposures(rng: random.Random) -> list[dict]:
    rows = []
    households = [f"H{i}" for i in range(6)] + [None]
    for campaign in ("k1", "k2"):
        for d in range(rng.randrange(3, 15)):
            days = sorted(rng.sample(range(5), rng.randrange(1, 4)))
            imps = [rng.randrange(0, 6) for _ in days]
            times = sorted(
                day * DAY_MS + rng.randrange(DAY_MS) for day, n in zip(days, imps) for _ in range(n)
            )
            rows.append(
                {
                    "campaign": campaign,
                    "device": f"d{d}",
                    "type": rng.choice(DEVICE_TYPES[:3] + (None,)),
                    "household": rng.choice(households),
                    "days": [day * DAY_MS for day in days],
                    "impressions": imps,
                    "clicks": [rng.randrange(0, 2) for _ in days],
                    "conversions": [rng.randrange(0, 2) for _ in days],
                    "duplicates": [rng.randrange(0, 2) for _ in days],
                    "times": times,
                }
            )
    return rows


def _brute(rows: list[dict], campaign: str, cap_max: int, window_ms: int) -> dict:
    hh_times: dict[str, list[int]] = defaultdict(list)
    devices, households, day_hh = set(), set(), defaultdict(set)
    imp = 0
    for r in rows:
        if r["campaign"] != campaign:
            continue
        hh = r["household"] or "device:" + r["device"]
        devices.add(r["device"])
        households.add(hh)
        hh_times[hh] += r["times"]
        imp += sum(r["impressions"])
        for day in r["days"]:
            day_hh[day].add(hh)
    over = 0
    for ts in hh_times.values():
        ts = sorted(ts)
        over += any(sum(1 for u in ts if t <= u < t + window_ms) > cap_max for t in ts)
    dist = Counter(frequency_bucket(len(ts)) for ts in hh_times.values() if ts)
    return {"devices": len(devices), "households": len(households), "imp": imp, "over": over, "dist": dist,
            "day_hh": {d: len(v) for d, v in day_hh.items()}}  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_reports_match_a_brute_force_count(seed):
    rng = random.Random(seed)
    rows = _random_exposures(rng)
    plan = {"cost_model": "cpc", "rate": 1.5, "budget": 100.0, "start": 0, "end": 10 * DAY_MS,
            "cap_max": 2, "cap_window_s": 3 * 3600, "cap_per": "household"}  # fmt: skip
    reports = {r["campaign_id"]: r for r in campaign_reports(rows, {"k1": plan}, [], as_of=5 * DAY_MS)}
    for cid, cap in (("k1", (2, 3 * 3600)), ("k2", (3, 3600))):
        rep, want = reports[cid], _brute(rows, cid, cap[0], cap[1] * 1000)
        assert rep["devices_reached"] == want["devices"]
        assert rep["households_reached"] == want["households"]
        assert rep["impressions"] == want["imp"] == sum(d["impressions"] for d in rep["by_day"])
        assert rep["over_cap"] == want["over"]
        assert {k: v for k, v in rep["frequency_distribution"].items() if v} == dict(want["dist"])
        assert {d["day"]: d["households_reached"] for d in rep["by_day"]} == want["day_hh"]
        assert sum(t["impressions"] for t in rep["by_device_type"]) == rep["impressions"]
        assert rep["reach_curve"][-1]["impressions"] == rep["impressions"]
        assert rep["reach_curve"][-1]["households"] <= rep["households_reached"]
    k1 = reports["k1"]
    assert k1["spend"] == pytest.approx(k1["clicks"] * 1.5)
    assert k1["elapsed_share"] == 0.5 and k1["budget_left"] == pytest.approx(100.0 - k1["spend"])
    assert reports["k2"]["spend"] is None and reports["k2"]["cap"]["default"]


def test_over_cap_is_a_sliding_window():
    assert not over_cap([0, 1000, 2000], 3, 10)
    assert over_cap([0, 5, 9, 10_000], 2, 10)
    assert not over_cap([0, 10, 20], 2, 10)  # a window is [t, t + w)


def test_plans_split_money_and_refuse_what_cannot_be_reached():
    reach = {"tv": {"households": 40, "devices": 45}, "phone": {"households": 90, "devices": 200}}
    rows = budget_split(1000.0, parse_split("tv=0.5,phone=0.5", DEVICE_TYPES), reach)
    assert sum(r["money"] for r in rows) == pytest.approx(1000.0)
    with pytest.raises(PlanRefused) as err:
        budget_split(1000.0, {"tv": 0.5, "tablet": 0.5}, reach)
    assert err.value.field == "tablet" and "no reachable tablet devices" in str(err.value)
    for bad in ("tv=0.5,phone=0.6", "fridge=1", "tv=x"):
        with pytest.raises(PlanRefused):
            parse_split(bad, DEVICE_TYPES)
    rec = recommended_split(reach, {"tv": 0.02, "phone": 0.01})
    assert rec == {"phone": pytest.approx(90 / 170, abs=1e-4), "tv": pytest.approx(80 / 170, abs=1e-4)}


def test_affluence_grows_with_devices_and_premium_kinds():
    assert (
        affluence_score(["phone"])[0]
        < affluence_score(["phone", "tv"])[0]
        < affluence_score(["phone", "tv", "console", "tablet"])[0]
    )
    assert (
        0
        <= affluence_score([])[0]
        <= affluence_score(["tv"] * 10 + ["console", "tablet", "desktop"])[0]
        == 1.0
    )


def _brute_over(times: list[int], cap_max: int, window_ms: int) -> bool:
    """Over the cap by definition: some window [t, t + w) holds more than cap_max impressions."""
    return any(sum(t <= u < t + window_ms for u in times) > cap_max for t in times)


def test_incremental_cap_state_equals_a_brute_force_recount_after_every_batch():
    from graph.campaigns.cap import cap_rows, units_to_check

    rng = random.Random(11)
    plans = {"k1": {"cap_max": 2, "cap_window_s": 1800, "cap_per": "household"}}  # k2: default 3/hour
    times: dict[tuple[str, str], list[int]] = defaultdict(list)
    stored: dict = {}
    for batch in range(12):
        for _ in range(rng.randint(5, 40)):  # new impressions, some units often, some late (old times)
            unit = (rng.choice(["k1", "k2"]), f"H{rng.randint(1, 25)}")
            times[unit].append(rng.randint(0, 6 * 3600_000) if rng.random() < 0.8 else rng.randint(0, 10))
        if batch == 6:
            plans["k2"] = {"cap_max": 1, "cap_window_s": 600, "cap_per": "household"}  # a new record
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for (cid, unit), ts in times.items():
            counts[cid][unit] = len(ts)
        check = units_to_check(counts, stored, plans)
        rows = cap_rows(counts, stored, plans, [(c, u, list(reversed(times[(c, u)]))) for c, u in check])
        stored = {r["campaign"]: r for r in rows}
        for r in rows:
            cap = plans.get(r["campaign"], {"cap_max": 3, "cap_window_s": 3600})
            want = [_brute_over(times[(r["campaign"], u)], cap["cap_max"], cap["cap_window_s"] * 1000)
                    for u in r["units"]]  # fmt: skip
            assert r["over"] == want and r["over_cap"] == sum(want), (batch, r["campaign"])
        # only changed units above the max are sorted again
        assert len(check) <= sum(len(v) for v in counts.values())
    assert any(r["over_cap"] for r in stored.values())
    assert units_to_check(counts, stored, plans) == []  # nothing new: nothing to sort
