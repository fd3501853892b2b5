"""What the addresses alone can tell: the share of a world's true pairs and links that no other
household's addresses could explain (issue #13's information limits, measured).

A home behind a carrier (CGNAT, or the IPv4 side of DS-Lite) shares its public address with
other homes. A device of home X that was seen at home only on addresses, days and lease halves
where home Y lived too could be Y's just as well: nothing in the addresses tells them apart, and
a method that reads addresses can only guess. The steps:

- a *slot* is (day, lease half, family, address): the address (an IPv6 /64) a home held before
  or after that day's lease change (:func:`slot`);
- :func:`lease_slots`: the homes holding each slot, from the world's leases;
- :func:`identifiable_devices`: a device is identifiable unless another home, one whose devices
  were seen at home, held every slot the device was seen at home on;
- :func:`address_sides`: the IPv4 and IPv6 sides of a DS-Lite home are tied only by a device
  seen at home on both (an IPv4-only TV shares nothing with the home's IPv6-only phones);
- :func:`pair_recall_bound`: the share of true pairs with both devices identifiable, on one side;
  at precision 1 it gives the best pair F1 a method that never guesses can reach
  (:func:`reachable_f1`);
- :func:`link_recall_bound`: the share of true links with a visit whose guest device is
  identifiable and whose slots name the host alone.

These are upper bounds for a method that does not guess, and generous ones: the steps know
which events were at home, and count a device seen on one slot as recoverable (a method needs
more). A method can beat them only by guessing among look-alikes: right about 1 in k times
behind an address k homes share. :func:`observe` runs a world to collect the slots.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Observation",
    "address_sides",
    "identifiable_devices",
    "lease_slots",
    "link_recall_bound",
    "observe",
    "pair_recall_bound",
    "reachable_f1",
    "slot",
    "summary",
]

Slot = tuple[int, int, int, object]  # (day, late, family, address or /64)


def slot(day: int, late: bool, address: str) -> Slot:
    """The slot of an address seen on ``day``, before (``late`` False) or after the day's lease
    change; an IPv6 address stands for its /64.

    >>> slot(3, False, "10.0.0.1")
    (3, 0, 4, '10.0.0.1')
    >>> slot(3, True, "2001:db8:1:2::5") == (3, 1, 6, int(ipaddress.IPv6Address("2001:db8:1:2::")))
    True
    """
    if ":" in address:
        return (day, int(late), 6, (int(ipaddress.IPv6Address(address)) >> 64) << 64)
    return (day, int(late), 4, address)


def lease_slots(
    day: int, v4: tuple[list[str], list[str]], v6: tuple[np.ndarray, np.ndarray], has_v6: np.ndarray
) -> Iterator[tuple[Slot, int]]:
    """(slot, home) for every home's IPv4 address and, where ``has_v6``, IPv6 /64, before and
    after the day's lease change (``v4``/``v6``: the previous and the current leases per home).

    >>> sorted(lease_slots(0, (["a", "b"], ["a", "c"]), (np.zeros(2, np.uint64), np.array([0, 7], np.uint64)),
    ...                    np.array([False, True])))  # doctest: +NORMALIZE_WHITESPACE
    [((0, 0, 4, 'a'), 0), ((0, 0, 4, 'b'), 1), ((0, 0, 6, 0), 1),
     ((0, 1, 4, 'a'), 0), ((0, 1, 4, 'c'), 1), ((0, 1, 6, 129127208515966861312), 1)]
    """
    for late in (0, 1):
        for h, a in enumerate(v4[late]):
            if a:
                yield (day, late, 4, a), h
        for h in np.flatnonzero(has_v6).tolist():
            yield (day, late, 6, int(v6[late][h]) << 64), h


def identifiable_devices(
    slots_of: Mapping[int, set[Slot]],
    homes_of: Mapping[int, set[int]],
    holders: Mapping[Slot, set[int]],
    present: set[int],
) -> dict[int, bool]:
    """Per device: True unless another ``present`` home held every slot it was seen at home on
    (``homes_of``: the homes it lived in; a device never seen at home is not identifiable).

    Device 0 was on address A on two days: home 1 held A on day 0 only. Device 2 was on A on
    day 0, when home 1 was there too:

    >>> A0, A1 = (0, 1, 4, "A"), (1, 1, 4, "A")
    >>> holders = {A0: {0, 1}, A1: {0}}
    >>> identifiable_devices({0: {A0, A1}, 2: {A0}, 3: set()}, {0: {0}, 2: {0}, 3: {0}}, holders, {0, 1})
    {0: True, 2: False, 3: False}
    """
    out = {}
    for d, slots in slots_of.items():
        common: set[int] | None = None
        for s in slots:
            common = set(holders.get(s, ())) if common is None else common & holders.get(s, set())
            if not common:
                break
        out[d] = bool(slots) and not ((common or set()) - homes_of.get(d, set())) & present
    return out


def address_sides(families: Mapping[str, set[int]], household: Mapping[str, str]) -> dict[str, object]:
    """Per device, its side of its ``household``'s addresses (``families``: the address families
    it was seen at home on): ``"*"`` in a household with a device seen on both, else its family.
    Two devices on different sides share no address: nothing in the addresses ties them.

    A DS-Lite home H1 whose IPv6-only phone never falls back to IPv4, and H2 whose phone does:

    >>> address_sides({"tv1": {4}, "ph1": {6}, "tv2": {4}, "ph2": {4, 6}},
    ...               {"tv1": "H1", "ph1": "H1", "tv2": "H2", "ph2": "H2"})
    {'tv1': 4, 'ph1': 6, 'tv2': '*', 'ph2': '*'}
    """
    bridged = {household[d] for d, f in families.items() if len(f) > 1 and d in household}
    return {d: "*" if h in bridged else min(families.get(d) or {0}) for d, h in household.items()}


def pair_recall_bound(
    identifiable: Mapping[str, bool], household: Mapping[str, str], side: Mapping[str, object] | None = None
) -> float:
    """Share of the true pairs (devices of one ``household``) with both devices identifiable and,
    with ``side`` (:func:`address_sides`), on one side.

    >>> pair_recall_bound({"a": True, "b": True, "c": False}, {"a": "H1", "b": "H1", "c": "H1"})
    0.3333333333333333
    >>> pair_recall_bound({"a": True, "b": True, "c": True}, {"a": "H1", "b": "H1", "c": "H1"},
    ...                   {"a": 4, "b": 6, "c": 6})
    0.3333333333333333
    """
    members: dict[str, list[bool]] = defaultdict(list)
    for d, h in household.items():
        members[h].append(bool(identifiable.get(d, False)))
    total = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    if side is not None:
        members = defaultdict(list)
        for d, h in household.items():
            members[(h, side.get(d))].append(bool(identifiable.get(d, False)))
    ok = sum(sum(m) * (sum(m) - 1) // 2 for m in members.values())
    return ok / total if total else 1.0


def reachable_f1(recall: float) -> float:
    """Pair F1 at precision 1 and this recall.

    >>> round(reachable_f1(0.94), 4)
    0.9691
    """
    return 2 * recall / (1 + recall) if recall else 0.0


def link_recall_bound(
    links: Iterable[tuple[str, str]],
    visits: Mapping[tuple[str, str], list[tuple[str, Slot]]],
    identifiable: Mapping[str, bool],
    holders: Mapping[Slot, set[str]],
) -> float:
    """Share of the true ``links`` with a visit telling its host: ``visits[(guest, host)]`` lists
    (guest device, slot) per guest event at the host's home; the guest's identifiable devices'
    slots there must have been held by the host alone (as a set: a host behind a carrier is
    told apart by the address it moved to, if the guest was seen there again).

    >>> S, T = (0, 1, 4, "A"), (2, 1, 4, "B")
    >>> holders = {S: {"H2", "H3"}, T: {"H2"}}
    >>> visits = {("H1", "H2"): [("d", S), ("d", T)], ("H1", "H3"): [("d", S)]}
    >>> link_recall_bound([("H1", "H2"), ("H1", "H3")], visits, {"d": True}, holders)
    0.5
    """
    links = list(links)
    ok = 0
    for a, b in links:
        for guest, host in ((a, b), (b, a)):
            slots = [s for d, s in visits.get((guest, host), ()) if identifiable.get(d, False)]
            common: set[str] | None = None
            for s in slots:
                common = set(holders.get(s, ())) if common is None else common & holders.get(s, set())
            if common == {host}:
                ok += 1
                break
    return ok / len(links) if links else 1.0


@dataclass
class Observation:
    """What :func:`observe` collects from one run of a world."""

    slots_of: dict[int, set[Slot]] = field(default_factory=lambda: defaultdict(set))  # device: at home
    homes_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    holders: dict[Slot, set[int]] = field(default_factory=lambda: defaultdict(set))
    visits: dict[tuple[int, int], list[tuple[int, Slot]]] = field(default_factory=lambda: defaultdict(list))


def observe(gen) -> Observation:
    """Run a fresh :class:`~generator.pipeline.Generation` day by day (no rendering) and collect
    each device's slots at home, each visit's slots, and the homes holding each slot."""
    from generator.networks import LEASE_MS

    w, p, ob = gen.world, gen.params, Observation()
    for day in range(p.days):
        ev, table, aid, _ = gen.simulate(day)
        net = gen.net
        for s, h in lease_slots(
            day, (net.v4_prev, net.v4_cur), (net.v6_prev, net.v6_cur), net.plan.home_kind == 4
        ):
            ob.holders[s].add(h)
        tod = ev.ts - w.dev_skew_ms[ev.dev] - p.day_start_ms(day)
        lease = net.lease_ms[ev.loc] if net.lease_ms is not None else LEASE_MS
        late = tod >= lease
        for i in np.flatnonzero((ev.loc_kind == 0) | (ev.loc_kind == 4)).tolist():
            d, s = int(ev.dev[i]), slot(day, bool(late[i]), table[aid[i]])
            if ev.loc_kind[i] == 0:
                ob.slots_of[d].add(s)
                ob.homes_of[d].add(int(ev.loc[i]))
            else:
                ob.visits[(int(w.dev_home[d]), int(ev.loc[i]))].append((d, s))
    return ob


def summary(params) -> dict:
    """The bounds of the world of ``params`` (:class:`~generator.params.WorldParams`), scored
    on its truth as ``bench/accuracy.py`` scores the methods: devices with events, links with
    two seen visits."""
    from generator.evaluate import true_links
    from generator.pipeline import Generation
    from generator.truth import build_truth

    gen = Generation(params)
    ob = observe(gen)
    truth = build_truth(gen)
    w = gen.world
    present = set().union(*ob.homes_of.values()) if ob.homes_of else set()
    ident = identifiable_devices(ob.slots_of, ob.homes_of, ob.holders, present)
    by_key = {d["key"]: d["household"] for d in truth["devices"] if d["events"] > 0}
    ident_key = {w.dev_key[d]: ok for d, ok in ident.items()}
    families = {w.dev_key[d]: {s[2] for s in slots} for d, slots in ob.slots_of.items()}
    recall = pair_recall_bound(ident_key, by_key, address_sides(families, by_key))
    label = w.hh_label
    visits: dict[tuple[str, str], list] = defaultdict(list)
    for (g, h), vs in ob.visits.items():
        visits[(label[g], label[h])] += [(w.dev_key[d], s) for d, s in vs]
    holders = {s: {label[h] for h in hs} for s, hs in ob.holders.items()}
    return {
        "identifiable_devices": round(sum(ident_key.get(k, False) for k in by_key) / max(len(by_key), 1), 4),
        "pair_recall_bound": round(recall, 4),
        "pair_f1_bound": round(reachable_f1(recall), 4),
        "link_recall_bound": round(link_recall_bound(true_links(truth), visits, ident_key, holders), 4),
    }
