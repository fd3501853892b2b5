"""The activation core against a brute-force oracle on random small worlds, and its exact small cases."""

from __future__ import annotations

import random

import pytest

from graph.activation import (
    CONTEXT_MS,
    ActivationState,
    Audience,
    BadRules,
    ContentInfo,
    Policy,
    apply_rules,
    decide,
    follow_up,
    parse_rules,
)

GENRES = ("kids", "cooking", "news", "christmas")
CATALOG = {
    f"c{i}": ContentInfo((GENRES[i % 4],) + (("christmas",) if i % 5 == 0 else ()), "show", i % 3 * 6)
    for i in range(10)
}


def _brute(imps, views, policy, who, now):
    """Plain loops over the raw lists: the cap count, the labels and the reasons."""
    devices = set(who.members) if who.known and policy.cap_per == "household" else {who.device}
    n = sum(
        1
        for d, ts, c in imps
        if c == policy.campaign_id and d in devices and now - policy.cap_window_ms < ts <= now
    )
    everyone = set(who.members) if who.known else {who.device}
    recent = [(d, ts, c, s) for d, ts, c, s in views if d in everyone and now - CONTEXT_MS < ts <= now]
    total = sum(s for *_, s in recent)
    labels = set()
    for g in GENRES:
        share = sum(s for _, _, c, s in recent if g in CATALOG[c].genres) / total if total else 0
        if share >= 0.3:
            labels.add(g)
    kid_share = sum(s for _, _, c, s in recent if "kids" in CATALOG[c].genres) / total if total else 0
    playing = any("kids" in CATALOG[c].genres and ts <= now < ts + s * 1000 for _, ts, c, s in recent)
    if kid_share >= 0.5 or playing:
        labels.add("kids_watching")
    deny = []
    if policy.age_min and "kids_watching" in labels:
        deny.append("age_min")
    if policy.avoid & labels:
        deny.append("avoid_context")
    if n >= policy.cap_max:
        deny.append("frequency_cap")
    return n, labels, deny


@pytest.mark.parametrize("seed", range(25))
def test_decisions_equal_brute_force_on_random_worlds(seed):
    rng = random.Random(seed)
    devices = [f"d{i}" for i in range(8)]
    members = {"h1": ("d0", "d1", "d2"), "h2": ("d3", "d4"), "h3": ("d5",)}
    state = ActivationState(retain_ms=10 * 3_600_000, views_ms=10 * 3_600_000)
    now_feed = 10 * 3_600_000
    imps, views = [], []
    for eid in range(rng.randint(0, 60)):
        d, ts, c = rng.choice(devices), rng.randint(1, now_feed), rng.choice(["a", "b"])
        if state.add_impression(d, ts, c, f"ad-{eid}", eid, now_ms=now_feed):
            imps.append((d, ts, c))
    for _ in range(rng.randint(0, 40)):
        d, ts, c, s = (
            rng.choice(devices),
            rng.randint(1, now_feed),
            rng.choice(list(CATALOG)),
            rng.uniform(0, 3000),
        )
        state.add_view(d, ts, c, s, now_ms=now_feed)
        views.append((d, ts, c, s))
    for _ in range(30):
        dev = rng.choice(devices)
        hh = next((h for h, m in members.items() if dev in m), None)
        who = Audience(dev, hh, members[hh]) if hh else Audience(dev)
        policy = Policy(
            rng.choice(["a", "b"]), 0, 10**13, rng.randint(1, 4), rng.choice([600_000, 3_600_000]),
            rng.choice(["household", "device"]), rng.choice([None, 18]),
            frozenset(rng.sample(["kids_watching", "christmas", "news"], rng.randint(0, 2))),
        )  # fmt: skip
        now = rng.randint(3_600_000, now_feed)
        got = decide(state, CATALOG, policy, who, now)
        n, labels, deny = _brute(imps, views, policy, who, now)
        assert got.impressions_in_window == n
        assert set(got.context.labels) == labels
        assert [r for r in got.reasons if r not in ("unknown_device", "prefer_context")] == deny
        assert got.allow == (not deny)
        fu = follow_up(state, who, 300_000, now)
        want = sorted(
            (
                ts
                for d, ts, _ in imps
                if who.known and d in who.members and d != dev and now - 300_000 < ts <= now
            ),
            reverse=True,
        )
        assert [f.ts for f in fu] == want


def test_reservation_holds_a_cap_of_one_until_the_impression_settles_it():
    s = ActivationState(retain_ms=3_600_000)
    p = Policy("c", 0, 10**13, cap_max=1)
    tv, phone = Audience("tv", "h", ("tv", "phone")), Audience("phone", "h", ("tv", "phone"))
    assert decide(s, {}, p, tv, 1_000).allow
    s.reserve("tv", "c", expires_ms=31_000)
    second = decide(s, {}, p, phone, 1_010)
    assert not second.allow and second.reasons == ("frequency_cap",) and second.reserved == 1
    assert s.add_impression("tv", 1_500, "c", "ad", eid=9, now_ms=1_500)
    again = decide(s, {}, p, phone, 2_000)
    assert (again.impressions_in_window, again.reserved) == (1, 0)
    # an unlogged reservation lapses
    s.reserve("phone", "c", expires_ms=40_000)
    assert decide(s, {}, Policy("c", 0, 10**13, cap_max=2), tv, 41_000).reserved == 0


def test_unknown_device_is_capped_alone_and_gets_no_follow_up():
    s = ActivationState(retain_ms=3_600_000)
    s.add_impression("x", 100, "c", "ad", eid=1, now_ms=100)
    d = decide(s, {}, Policy("c", 0, 10**13, cap_max=1), Audience("x"), 200)
    assert d.reasons == ("frequency_cap", "unknown_device") and d.cap_per == "device"
    assert follow_up(s, Audience("x"), 300_000, 200) == []


def test_flight_and_budget():
    s = ActivationState(retain_ms=3_600_000)
    who = Audience("d", "h", ("d",))
    assert decide(s, {}, Policy("c", 1_000, 2_000), who, 2_000).reasons == ("campaign_not_live",)
    assert decide(s, {}, Policy("c", 0, 10**13, budget=10, spent=10), who, 5).reasons == ("budget_spent",)


def test_duplicates_count_once():
    s = ActivationState(retain_ms=3_600_000)
    assert s.add_impression("d", 10_000, "c", "ad", eid=1, now_ms=10_000)
    assert not s.add_impression("d", 10_000, "c", "ad", eid=1, now_ms=20_000)  # same id, later
    assert not s.add_impression("d", 11_900, "c", "ad", eid=2, now_ms=20_000)  # re-sent under another id
    assert s.add_impression("d", 12_100, "c", "ad", eid=3, now_ms=20_000)
    assert s.count("d", "c", 0, 20_000) == 2 and s.duplicates == 2


def test_bad_rules_name_the_line_and_the_problem():
    text = '[[rule]]\ncampaigns = "*"\n\n[[rule]]\ncampaigns = ["c"]\n'
    text += "frequency_cap = { max = 0, window_s = 60 }\n"
    with pytest.raises(BadRules) as err:
        parse_rules(text, "house.toml")
    assert err.value.line == 6 and "frequency_cap" in err.value.problem
    with pytest.raises(BadRules) as err:
        parse_rules('[[rule]]\ncampaigns = "*"\nblock = true\n', "house.toml")
    assert err.value.line == 3 and "block" in str(err.value)
    with pytest.raises(BadRules) as err:
        parse_rules("[[rule]\n", "house.toml")
    assert err.value.line == 1
    rules = parse_rules(
        '[[rule]]\ncampaigns = "*"\navoid_contexts = ["christmas"]\nprefer_contexts = ["news"]\n'
    )
    p = apply_rules(Policy("any", 0, 1, avoid=frozenset({"kids"})), rules)
    assert p.avoid == {"kids", "christmas"} and p.prefer == {"news"}


def test_a_key_that_is_many_devices_is_neither_capped_nor_read_for_context():
    """An app's placeholder MAC is thousands of phones: capping it as one device would stop ads to all
    of them after ``cap_max``, and its views are no one's live context."""
    from hausgraph.api.service import DeviceMap

    state = ActivationState(retain_ms=7_200_000)
    for i in range(5):
        state.add_impression("02:00", 1_000 + i, "a", "ad", eid=i, now_ms=10_000)
    m = DeviceMap.from_rows(
        [{"device_key": "tv", "household_id": "h"}, {"device_key": "02:00", "household_id": None}], 1
    )
    who = m.audience("02:00")
    assert who.shared and not who.known
    capped = Policy("a", 0, 10**13, cap_max=1, cap_per="device")
    got = decide(state, CATALOG, capped, who, 10_000)
    assert got.allow and got.reasons == ("shared_key",) and got.context.labels == ()
    assert decide(state, CATALOG, capped, Audience("02:00"), 10_000).reasons == (
        "frequency_cap",
        "unknown_device",
    )
    assert not decide(state, CATALOG, Policy("a", 0, 5_000), who, 10_000).allow  # not live: denied still
    assert follow_up(state, who, 300_000, 10_000) == []
