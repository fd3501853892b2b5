"""The activation service: the pure core's state behind one lock, fed by Kafka and Neo4j, asked by HTTP."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from graph.activation import (
    CONTEXT_MS,
    ActivationState,
    Audience,
    ContentInfo,
    Decision,
    FollowUp,
    HouseRule,
    Policy,
    apply_rules,
    decide,
    follow_up,
    live_context,
)
from ingest.campaigns import CampaignRecord
from ingest.contract import ContentRecord, ViewEvent
from ingest.pseudonym import Pseudonymizer
from ingest.rows import event_identity

__all__ = ["MAX_HOPS", "ActivationService", "DeviceMap", "UnknownCampaign", "policy_of"]

log = logging.getLogger(__name__)

#: how often a record is forwarded to the instance that holds its device before it is kept where it is
MAX_HOPS = 3


class UnknownCampaign(LookupError):
    """A campaign id with no campaign record."""

    def __init__(self, campaign_id: str) -> None:
        self.campaign_id = campaign_id
        super().__init__(f"no campaign record for campaign_id {campaign_id!r}")


@dataclass(frozen=True)
class DeviceMap:
    """Device → household and household → members, as of one households run (``run_ms``)."""

    household_of: dict[str, str] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    device_type: dict[str, str | None] = field(default_factory=dict)
    persona: dict[str, str | None] = field(default_factory=dict)
    run_ms: int | None = None
    shared: frozenset[str] = frozenset()  # keys that are many devices: rows without a household

    @classmethod
    def from_rows(cls, rows: Iterable[dict], run_ms: int | None) -> DeviceMap:
        """From ``activation/read_device_map`` rows.

        >>> m = DeviceMap.from_rows([{"device_key": "a", "household_id": "h", "device_type": "tv"},
        ...                          {"device_key": "b", "household_id": "h", "device_type": None}], 1)
        >>> m.members["h"], m.household_of["b"]
        (('a', 'b'), 'h')
        >>> DeviceMap.from_rows([{"device_key": "02:00", "household_id": None}], 1).audience("02:00").shared
        True
        """
        household_of, types, persona = {}, {}, {}
        members: dict[str, list[str]] = defaultdict(list)
        shared = set()
        for r in rows:
            key = sys.intern(r["device_key"])  # the one copy the live state keys its devices by, too
            if r.get("household_id") is None:
                shared.add(key)
                continue
            household_of[key] = r["household_id"]
            members[r["household_id"]].append(key)
            types[key] = r.get("device_type")
            persona[key] = r.get("persona")
        members_of = {h: tuple(sorted(d)) for h, d in members.items()}
        return cls(household_of, members_of, types, persona, run_ms, frozenset(shared))

    def audience(self, device: str) -> Audience:
        hh = self.household_of.get(device)
        if hh is not None:
            return Audience(device, hh, self.members[hh])
        return Audience(device, shared=device in self.shared)


def policy_of(rec: CampaignRecord, rules: list[HouseRule], spent: float = 0.0) -> Policy:
    """The decision core's view of a campaign record, with the house rules applied."""
    cap = rec.cap
    base = Policy(
        rec.campaign_id,
        rec.start_ms,
        rec.end_ms,
        cap.max,
        cap.window_s * 1000,
        cap.per,
        rec.age_min,
        frozenset(rec.avoid_contexts),
        frozenset(rec.prefer_contexts),
        float(rec.budget),
        spent,
    )
    return apply_rules(base, rules)


@dataclass
class Stats:
    """Counters for /v1/stats and the app's Activation page."""

    decisions: int = 0
    allowed: int = 0
    denials: Counter = field(default_factory=Counter)
    capped_campaigns: Counter = field(default_factory=Counter)
    follow_up_requests: int = 0
    follow_up_opportunities: int = 0
    per_second: deque = field(default_factory=lambda: deque(maxlen=120))  # [second, decisions, denials]
    per_minute: deque = field(default_factory=lambda: deque(maxlen=60))  # [minute, opportunities]
    events: Counter = field(default_factory=Counter)

    def count_decision(self, d: Decision, campaign: str, now_s: float) -> None:
        self.decisions += 1
        sec = int(now_s)
        if not self.per_second or self.per_second[-1][0] != sec:
            self.per_second.append([sec, 0, 0])
        self.per_second[-1][1] += 1
        if d.allow:
            self.allowed += 1
            return
        self.per_second[-1][2] += 1
        for r in d.reasons:
            self.denials[r] += 1
        if "frequency_cap" in d.reasons:
            self.capped_campaigns[campaign] += 1

    def count_follow_up(self, items: int, now_s: float) -> None:
        self.follow_up_requests += 1
        minute = int(now_s // 60) * 60
        if not self.per_minute or self.per_minute[-1][0] != minute:
            self.per_minute.append([minute, 0])
        if items:
            self.follow_up_opportunities += 1
            self.per_minute[-1][1] += 1


class ActivationService:
    """Live state, campaigns, catalog and device map behind one lock; every method is thread-safe."""

    def __init__(
        self,
        pseudo: Pseudonymizer,
        rules: list[HouseRule] | None = None,
        reserve_ms: int = 30_000,
        past_ms: int = 300_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.pseudo = pseudo
        self.rules = rules or []
        self.reserve_ms = reserve_ms
        self.clock = clock
        self.lock = threading.Lock()
        #: how far back a request's ``ts`` may be; the state keeps every window this much longer
        self.past_ms = past_ms
        self.state = ActivationState(retain_ms=3_600_000 + past_ms, views_ms=CONTEXT_MS + past_ms)
        self.catalog: dict[str, ContentInfo] = {}
        self.campaigns: dict[str, CampaignRecord] = {}
        self.policies: dict[str, Policy] = {}
        self.spend: dict[str, float] = {}
        #: the graph's (impressions, clicks, conversions) per campaign, also of campaigns not yet known
        self._totals: dict[str, tuple[int, int, int]] = {}
        self.devices = DeviceMap()
        #: scale-out: whether this instance holds a (device, household)'s state (None: it runs alone)
        self.holds: Callable[[str, str | None], bool] | None = None
        #: scale-out: records of devices another instance holds under the current map, to be forwarded
        self.outbox: deque[dict] = deque()
        self.stats = Stats()
        #: what /health reports; written by the feeds
        self.feed: dict[str, object] = {
            "ready": False,
            "last_event_at": None,
            "kafka_ok": None,
            "kafka_lag": None,
            "neo4j_ok": None,
            "device_map_at": None,
            "rebuild_s": None,
        }

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # --- feeds ---
    def put_campaign(self, rec: CampaignRecord) -> None:
        with self.lock:
            self.campaigns[rec.campaign_id] = rec
            totals = self._totals.get(rec.campaign_id)
            if totals is not None:  # the graph's totals came first: spend by this record's cost model
                self.spend[rec.campaign_id] = rec.spend(*totals)
            self.policies[rec.campaign_id] = policy_of(rec, self.rules, self.spend.get(rec.campaign_id, 0.0))
            self._retain()

    def _retain(self) -> None:
        windows = [p.cap_window_ms for p in self.policies.values()] + [3_600_000]
        self.state.retain_ms = max(windows) + self.past_ms

    def put_content(self, recs: Iterable[ContentRecord]) -> None:
        with self.lock:
            for r in recs:
                self.catalog[r.content_id] = ContentInfo(tuple(r.genres or ()), r.kind, r.age_rating)

    def put_spend(self, totals: Iterable[dict]) -> None:
        """Campaign spend from the graph's exposure totals (contract §5 cost models)."""
        with self.lock:
            for row in totals:
                counts = (row["impressions"] or 0, row["clicks"] or 0, row["conversions"] or 0)
                self._totals[row["campaign_id"]] = counts  # kept for a record that arrives later
                rec = self.campaigns.get(row["campaign_id"])
                if rec is None:
                    continue
                spent = rec.spend(*counts)
                self.spend[rec.campaign_id] = spent
                self.policies[rec.campaign_id] = policy_of(rec, self.rules, spent)

    def put_devices(self, devices: DeviceMap) -> None:
        with self.lock:
            self.devices = devices

    def apply_events(self, events: Iterable[ViewEvent]) -> int:
        """Impressions into the exposures, views into the live context; returns impressions taken.

        The keyed hashes (device key, event identity) are computed before the lock is taken: a request
        waits for the state's updates only, never for the hashing.
        """
        taken = 0
        now = self.now_ms()
        pseudo, state = self.pseudo, self.state
        keyed = []
        for ev in events:
            if (ev.event == "impression" and ev.campaign_id is not None) or (
                ev.event == "view" and ev.content_id is not None
            ):
                keyed.append((ev, pseudo.mac(ev.mac), event_identity(ev, pseudo)))
            else:
                keyed.append((ev, None, None))
        with self.lock:
            for ev, device, eid in keyed:
                if device is not None and ev.event == "impression":
                    taken += state.add_impression(
                        device, ev.ts_ms, ev.campaign_id, ev.ad_id or "", eid, now, ev.device_type
                    )
                elif device is not None:  # a view counts once per identity too (else it skews the context)
                    state.add_view(
                        device, ev.ts_ms, ev.content_id, ev.duration_s or 0.0, now, ev.device_type, eid
                    )
                self.stats.events[ev.event] += 1
        return taken

    def apply_records(self, records: Iterable[dict]) -> int:
        """Compact records of the household-keyed exposures topic (:mod:`hausgraph.api.scaleout`).

        Once the device map is loaded, a record of a device that another instance holds under it (routed
        under an older map, by this or another instance's router) goes to :attr:`outbox` instead, at most
        ``MAX_HOPS`` times (two instances that disagree on the map for longer keep it where it is).
        """
        taken = 0
        now = self.now_ms()
        state = self.state
        holds = self.holds if self.feed["device_map_at"] is not None else None
        with self.lock:
            household_of = self.devices.household_of
            for r in records:
                try:
                    foreign = holds is not None and not holds(r["d"], household_of.get(r["d"]))
                    if foreign and r.get("h", 0) < MAX_HOPS:
                        self.outbox.append(r)
                        self.stats.events["forwarded"] += 1
                        continue
                    if r["e"] == "impression":
                        taken += state.add_impression(r["d"], r["t"], r["c"], r["a"], r["x"], now, r.get("y"))
                    else:
                        state.add_view(r["d"], r["t"], r["k"], r["s"], now, r.get("y"), r.get("x"))
                    self.stats.events[r["e"]] += 1
                except (KeyError, TypeError, ValueError, OverflowError):  # not one of the routers' records
                    self.stats.events["invalid_record"] += 1
        return taken

    def take_foreign(self, slice_: int = 500) -> list[tuple[str, str | None, list[tuple], list[tuple]]]:
        """Scale-out, after a new device map: take every device this instance no longer holds out of the
        state (``slice_`` devices per lock hold), as ``(device, type, exposures, views)`` for the router
        to hand to the instance that holds it now (:meth:`ActivationState.take`)."""
        if self.holds is None or self.feed["device_map_at"] is None:
            return []
        with self.lock:
            keys = list(self.state.devices)
        out = []
        for i in range(0, len(keys), slice_):
            with self.lock:
                household_of, devices = self.devices.household_of, self.state.devices
                for d in keys[i : i + slice_]:
                    if d in devices and not self.holds(d, household_of.get(d)):
                        out.append((d, *self.state.take(d)))
            time.sleep(0)
        return out

    def prune(self, slice_: int = 500) -> int:
        """One sweep over every device, ``slice_`` devices per lock hold (a request never waits for
        more than one slice); returns devices dropped."""
        with self.lock:
            keys = list(self.state.devices)
        gone = 0
        for i in range(0, len(keys), slice_):
            with self.lock:
                gone += self.state.prune(self.now_ms(), keys[i : i + slice_])
            time.sleep(0)  # hand the interpreter to a waiting request
        return gone

    def prune_loop(self, stop: threading.Event, every_s: float = 30.0) -> None:
        """Sweep the state for what fell out of every window, until ``stop`` (a thread of its own: a
        sweep over a million households takes seconds and must hold up neither requests nor the feed).
        """
        while not stop.wait(every_s):
            t0 = time.monotonic()
            gone = self.prune()
            log.debug("state pruned devices_dropped=%d seconds=%.2f", gone, time.monotonic() - t0)

    # --- questions ---
    def device_key(self, mac: str | None, device_key: str | None) -> str:
        """The device's key: ``device_key`` as given, or the keyed normalized ``mac``."""
        return device_key if device_key is not None else self.pseudo.mac(mac or "")

    def decide(self, device: str, campaign_id: str, ts_ms: int | None, reserve: bool = True) -> Decision:
        with self.lock:
            policy = self.policies.get(campaign_id)
            if policy is None:
                raise UnknownCampaign(campaign_id)
            now = self.now_ms() if ts_ms is None else ts_ms
            who = self.devices.audience(device)
            d = decide(self.state, self.catalog, policy, who, now)
            if d.allow and reserve:
                self.state.reserve(device, campaign_id, now + self.reserve_ms)
            self.stats.count_decision(d, campaign_id, self.clock())
        return d

    def household_of(self, device: str) -> str | None:
        return self.devices.household_of.get(device)

    def follow_up(self, device: str, within_s: int, ts_ms: int | None) -> list[FollowUp]:
        with self.lock:
            now = self.now_ms() if ts_ms is None else ts_ms
            m = self.devices
            items = follow_up(self.state, m.audience(device), within_s * 1000, now, m.device_type)
            self.stats.count_follow_up(len(items), self.clock())
        return items

    def household(self, device: str) -> dict | None:
        """Household id, size, device mix and persona mix of the device's household (no keys)."""
        with self.lock:
            who = self.devices.audience(device)
            if not who.known:
                return None
            m = self.devices
            ctx_views = self.state.views_since(who.members, self.now_ms() - CONTEXT_MS, self.now_ms())
            ctx = live_context(ctx_views, self.catalog, self.now_ms())
            return {
                "household_id": who.household,
                "size": len(who.members),
                "device_mix": dict(Counter(m.device_type.get(d) or "unknown" for d in who.members)),
                "persona_mix": dict(Counter(p for d in who.members if (p := m.persona.get(d)))),
                "context": list(ctx.labels),
            }

    def retained_ms(self) -> int:
        """How far back the state reaches (the longest cap window, or the views kept if longer)."""
        return max(self.state.retain_ms, self.state.views_ms)

    def earliest_ts(self) -> int:
        """The earliest ``ts`` a request may ask about (``HAUSGRAPH_ACTIVATION_PAST_S`` ago)."""
        return self.now_ms() - self.past_ms

    def snapshot_stats(self) -> dict:
        with self.lock:
            s = self.stats
            return {
                "decisions": s.decisions,
                "allowed": s.allowed,
                "denials_by_reason": dict(s.denials),
                "campaigns_capped": dict(s.capped_campaigns.most_common(20)),
                "follow_up_requests": s.follow_up_requests,
                "follow_up_opportunities": s.follow_up_opportunities,
                "decisions_per_second": [list(x) for x in s.per_second],
                "follow_up_opportunities_per_minute": [list(x) for x in s.per_minute],
                "events": dict(s.events),
                "devices_in_state": len(self.state.devices),
                "households": len(self.devices.members),
                "campaigns": len(self.campaigns),
                "duplicates": self.state.duplicates,
                "duplicate_views": self.state.duplicate_views,
            }
