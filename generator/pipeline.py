"""The batch pipeline: world -> day by day events -> dirty, duplicated, late-delivered JSON lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import timedelta

import numpy as np
import orjson

from generator import campaigns
from generator.behaviour import DayEvents, Sampler, simulate_day
from generator.campaigns import AdBreaks, bid_copies
from generator.dirty import MALFORMED, delivery_delays, duplicate_delays, malformed_line, pick_kinds
from generator.moves import apply_moves
from generator.networks import NetworkState
from generator.params import DAY_MS, WorldParams
from generator.propensity import ConversionTruth
from generator.render import Renderer
from generator.schedule import plan_day
from generator.stats import WorldStats
from generator.world import FORMS, World, build_world

__all__ = ["FAR_FUTURE_MS", "Chunk", "Generation"]

FAR_FUTURE_MS = 1_924_992_000_000  # 2031-01-01: "in the future" for any sane processing clock


@dataclass
class Chunk:
    """Lines in delivery order with their Kafka keys (the device's pseudonymous key)."""

    lines: list[bytes]
    keys: list[bytes]


def placeholder_rates(world: World, params: WorldParams) -> np.ndarray | None:
    """Per device: the share of its events on which its app sends the placeholder MAC (variant
    ``placeholder-macs``: ``placeholder_mac_share`` of phones and tablets), or None without it.

    >>> from generator.params import variant_params
    >>> p = variant_params("placeholder-macs", households=40, days=1, seed=1)
    >>> rates = placeholder_rates(build_world(p), p)
    >>> sorted(set(rates.tolist()))
    [0.0, 0.3]
    >>> placeholder_rates(build_world(WorldParams(households=5)), WorldParams()) is None
    True
    """
    if not params.placeholder_mac_share:
        return None
    handheld = np.isin(world.dev_form, [FORMS.index("phone"), FORMS.index("tablet")])
    blind = handheld & (
        np.random.default_rng([params.seed, 51]).random(world.n_devices) < params.placeholder_mac_share
    )
    return np.where(blind, params.placeholder_mac_events, 0.0)


class Generation:
    """One run over a world; iterate :meth:`chunks` once, then read ``stats`` and ``counts``.

    >>> g = Generation(WorldParams(households=5, days=1, seed=3))
    >>> sum(len(c.lines) for c in g.chunks()) == g.counts["lines"]
    True
    """

    def __init__(self, params: WorldParams, world: World | None = None) -> None:
        self.params = params
        self.world = world or build_world(params)
        self.sampler = Sampler(self.world)
        self.net = NetworkState(self.world.net)
        self.renderer = Renderer(self.world, params.event_id_rate, placeholder_rates(self.world, params))
        self.ad_breaks = AdBreaks(self.world, params.seed)  # activation's ad traffic (issue #14)
        self.stats = WorldStats(devices_per_home=[len(x) for x in self.world.hh_devices])
        self.dev_events = np.zeros(self.world.n_devices, dtype=np.int64)
        self.visits: Counter = Counter()
        self.seen_visits: Counter = Counter()  # visits during which a guest's device sent an event
        self.counts: Counter = Counter()
        self.malformed: Counter = Counter()
        self.bid_copies: Counter = Counter()  # re-sent ad events per campaign (contract §5 duplicates)
        self._keys = [k.encode() for k in self.world.dev_key]
        self.conversions = ConversionTruth(self.world, params.seed)
        hh_rng = np.random.default_rng([params.seed, 43])
        self.away_only = hh_rng.random(len(self.world.hh_devices)) < params.away_only_share
        self.weekend_host = self._weekend_hosts(np.random.default_rng([params.seed, 47]))

    def skip(self, day: int) -> None:
        """Advance the world to ``day`` without its events: renew the leases, carry out its moves
        (live mode starting later than day 0 skips the days before)."""
        self.net.advance(day)
        if apply_moves(self.world, day, counters=(self.visits, self.seen_visits)):
            self.sampler.refresh_homes()
            self.ad_breaks.refresh_homes()

    def simulate(self, day: int) -> tuple[DayEvents, list[str], np.ndarray, np.random.Generator]:
        """Events of world day ``day`` with resolved addresses (days must come in order)."""
        p, w = self.params, self.world
        rng = np.random.default_rng([p.seed, 20, day])
        date = p.start + timedelta(days=day)
        self.skip(day)
        sched = plan_day(w, day, date.weekday(), np.random.default_rng([p.seed, 21, day]))
        for guest, host in sched.visits:
            self.visits[(min(guest, host), max(guest, host))] += 1
        day_ms = p.day_start_ms(day)
        ev = self.ad_breaks.add(simulate_day(self.sampler, sched, day_ms, date.weekday(), date, rng), day)
        ev = self.conversions.apply(day, ev, day_ms, np.random.default_rng([p.seed, 41, day]))
        ev = self.without_home_events_of_away_only(ev)
        ev = self.weekend_away(ev, day)
        at_host = ev.loc_kind == 4
        seen = set(zip(w.dev_home[ev.dev[at_host]].tolist(), ev.loc[at_host].tolist()))
        for guest, host in sched.visits:
            if (guest, host) in seen:
                self.seen_visits[(min(guest, host), max(guest, host))] += 1
        tod = np.clip(ev.ts - w.dev_skew_ms[ev.dev] - day_ms, 0, DAY_MS - 1)
        table, aid = self.net.resolve(ev.loc_kind, ev.loc, ev.dev, tod, w.dev_carrier)
        self.stats.add_day(w, ev, table, aid)
        self.stats.shared_homes = self.net.shared_homes
        self.dev_events += np.bincount(ev.dev, minlength=w.n_devices)
        return ev, table, aid, rng

    def _weekend_hosts(self, rng: np.random.Generator) -> np.ndarray:
        """Per device: the friends' home its owner spends the last two days at
        (``weekend_away_share`` of the phones, tablets and laptops of homes with friends), or -1."""
        w, share = self.world, self.params.weekend_away_share
        host = np.full(w.n_devices, -1, dtype=np.int64)
        if not share:
            return host
        friends: dict[int, list[int]] = {}
        for a, b in w.friends:
            friends.setdefault(a, []).append(b)
            friends.setdefault(b, []).append(a)
        handheld = np.isin(w.dev_form, [FORMS.index(f) for f in ("phone", "tablet", "laptop")])
        for d in np.flatnonzero(handheld & (rng.random(w.n_devices) < share)).tolist():
            mine = sorted(friends.get(int(w.dev_home[d]), ()))
            if mine:
                host[d] = mine[int(rng.integers(len(mine)))]
        return host

    def weekend_away(self, ev: DayEvents, day: int) -> DayEvents:
        """On the world's last two days, the events at home of the devices away for the weekend
        (:meth:`_weekend_hosts`) take place at the host's home instead (a seen visit each day)."""
        if day < self.params.days - 2 or not (self.weekend_host >= 0).any():
            return ev
        moved = (ev.loc_kind == 0) & (self.weekend_host[ev.dev] >= 0)
        if not moved.any():
            return ev
        home = self.world.dev_home[ev.dev[moved]].tolist()
        for g, h in set(zip(home, self.weekend_host[ev.dev[moved]].tolist())):
            self.visits[(min(g, h), max(g, h))] += 1  # a day at friends' is a visit they made
            self.seen_visits[(min(g, h), max(g, h))] += 1
        loc_kind, loc = ev.loc_kind.copy(), ev.loc.copy()
        loc_kind[moved] = 4
        loc[moved] = self.weekend_host[ev.dev[moved]]
        return replace(ev, loc_kind=loc_kind, loc=loc)

    def without_home_events_of_away_only(self, ev: DayEvents) -> DayEvents:
        """``ev`` without the events at home of households that use the app only away
        (``WorldParams.away_only_share``; their conversion truth may then name unseen exposures)."""
        if not self.away_only.any():
            return ev
        keep = ~(self.away_only[self.world.dev_home[ev.dev]] & (ev.loc_kind == 0))
        return DayEvents(*(getattr(ev, f.name)[keep] for f in fields(DayEvents)))

    def dirty_lines(
        self,
        objs: list[dict],
        ev: DayEvents,
        arrival: np.ndarray,
        rng: np.random.Generator,
        far_future_ms: int,
    ) -> tuple[list[bytes], list[bytes], np.ndarray]:
        """Valid lines plus duplicates and malformed lines, with keys and arrival times."""
        p, n = self.params, len(objs)
        lines = [orjson.dumps(o) for o in objs]
        keys = [self._keys[d] for d in ev.dev.tolist()]
        dup = rng.choice(n, size=rng.binomial(n, p.duplicate_rate), replace=False) if n else np.zeros(0, int)
        bad = rng.integers(0, max(n, 1), size=rng.binomial(n, p.malformed_rate) if n else 0)
        kinds = pick_kinds(rng, len(bad))
        extra_lines = [lines[i] for i in dup.tolist()]
        extra_lines += [malformed_line(objs[i], k, rng, far_future_ms) for i, k in zip(bad.tolist(), kinds)]
        keys += [keys[i] for i in dup.tolist()] + [keys[i] for i in bad.tolist()]
        arrival = np.concatenate([arrival, arrival[dup] + duplicate_delays(rng, len(dup)), arrival[bad]])
        self.counts["valid"] += n
        self.counts["duplicates"] += len(dup)
        self.stats.duplicates += len(dup)
        self.malformed.update(kinds)
        self.stats.malformed_by_kind.update(kinds)
        self.counts["malformed"] += len(bad)
        return lines + extra_lines, keys, arrival

    def add_bid_copies(
        self,
        objs: list[dict],
        ev: DayEvents,
        ts: np.ndarray,
        dirty: tuple[list[bytes], list[bytes], np.ndarray],
        tag: str,
        rng: np.random.Generator,
    ) -> tuple[list[bytes], list[bytes], np.ndarray]:
        """``dirty`` (lines, keys, arrival; the first ``len(objs)`` are ``objs``) plus re-sent ad copies."""
        lines, keys, arrival = dirty
        copies, idx, per = bid_copies(objs, ts, ev.event, self.params.bid_copy_rate, rng, tag)
        if not copies:
            return lines, keys, arrival
        self.bid_copies.update(per)
        self.counts["bid_copies"] += len(copies)
        lines = lines + [orjson.dumps(c) for c in copies]
        keys = keys + [self._keys[d] for d in ev.dev[idx].tolist()]
        arrival = np.concatenate([arrival, arrival[idx] + rng.integers(0, 3000, size=len(idx))])
        return lines, keys, arrival

    def campaign_lines(self) -> tuple[list[bytes], list[bytes]]:
        """The world's campaign records (contract §5) as JSON lines, keyed by campaign id."""
        return campaigns.campaign_lines(self.params)

    def chunks(self) -> Iterator[Chunk]:
        """All lines of the world, one chunk per day, in delivery (not event) order."""
        p = self.params
        far = max(FAR_FUTURE_MS, p.day_start_ms(p.days + 400))
        carry_lines: list[bytes] = []
        carry_keys: list[bytes] = []
        carry_arr = np.zeros(0, dtype=np.int64)
        for day in range(p.days):
            ev, table, aid, rng = self.simulate(day)
            if p.utc_shift_hours:  # the world lives in another time zone: its hours are later in UTC
                ev = replace(ev, ts=ev.ts + p.utc_shift_hours * 3_600_000)
            tag = f"{p.seed:x}-{day:04d}"
            objs = self.renderer.objects(ev, table, aid, rng, tag=tag)
            arrival = ev.ts + delivery_delays(rng, len(ev.ts), p.late_rate)
            dirty = self.dirty_lines(objs, ev, arrival, rng, far)
            lines, keys, arrival = self.add_bid_copies(
                objs, ev, ev.ts, dirty, tag, np.random.default_rng([p.seed, 31, day])
            )
            lines, keys = carry_lines + lines, carry_keys + keys
            arrival = np.concatenate([carry_arr, arrival])
            order = np.argsort(arrival, kind="stable")
            cut = int(np.searchsorted(arrival[order], p.day_start_ms(day + 1)))
            if day == p.days - 1:
                cut = len(order)
            now = order[:cut].tolist()
            later = order[cut:].tolist()
            carry_lines = [lines[i] for i in later]
            carry_keys = [keys[i] for i in later]
            carry_arr = arrival[order[cut:]]
            self.counts["lines"] += len(now)
            yield Chunk([lines[i] for i in now], [keys[i] for i in now])

    def content_lines(self) -> list[bytes]:
        """The catalog as JSON lines (contract section 2)."""
        return [orjson.dumps(r) for r in self.world.catalog.records]

    def malformed_counts(self) -> dict[str, int]:
        """Malformed lines emitted by kind, every kind listed (zeros included)."""
        return {k: int(self.malformed.get(k, 0)) for k in MALFORMED}
