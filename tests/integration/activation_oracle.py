"""Brute-force activation answers from the raw events and the household export (the API's oracle).

Written apart from :mod:`graph.activation` on purpose: every figure is recomputed from the event list
with plain loops, so a shared mistake cannot make both agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ingest.campaigns import CampaignRecord
from ingest.contract import ViewEvent
from ingest.pseudonym import Pseudonymizer
from ingest.rows import event_identity

TWO_HOURS = 7_200_000


@dataclass
class Oracle:
    impressions: list[tuple[str, int, str, str, str | None]]  # device, ts, campaign, ad, type
    views: list[tuple[str, int, str, float]]  # device, ts, content, seconds
    household_of: dict[str, str]
    members: dict[str, list[str]]
    campaigns: dict[str, CampaignRecord]
    catalog: dict[str, tuple[list[str], str | None, int | None]]
    spend: dict[str, float]

    @classmethod
    def build(cls, events: list[ViewEvent], pseudo: Pseudonymizer, export, campaigns, catalog, spend):
        kept: list[tuple[str, int, str, str, str | None]] = []
        ids: set[tuple[str, int]] = set()
        for ev in sorted(events, key=lambda e: e.ts_ms):
            if ev.event != "impression" or ev.campaign_id is None:
                continue
            dev = pseudo.mac(ev.mac)
            eid = event_identity(ev, pseudo)
            if (dev, eid) in ids:
                continue
            if any(
                k[0] == dev
                and k[2] == ev.campaign_id
                and k[3] == (ev.ad_id or "")
                and abs(k[1] - ev.ts_ms) <= 2000
                for k in kept[-200:]
            ):
                continue
            ids.add((dev, eid))
            kept.append((dev, ev.ts_ms, ev.campaign_id, ev.ad_id or "", ev.device_type))
        views, seen = [], set()
        for e in events:  # a duplicate (same identity: a retry, a replay) counts once, like an impression
            if e.event != "view" or e.content_id is None:
                continue
            dev = pseudo.mac(e.mac)
            ident = (dev, event_identity(e, pseudo))
            if ident not in seen:
                seen.add(ident)
                views.append((dev, e.ts_ms, e.content_id, e.duration_s or 0.0))
        household_of = {r["device_key"]: r["household_id"] for r in export}
        members: dict[str, list[str]] = defaultdict(list)
        for d, h in household_of.items():
            members[h].append(d)
        return cls(kept, views, household_of, dict(members), campaigns, catalog, spend)

    def context(self, devices: set[str], t: int) -> list[str]:
        total = 0.0
        by_genre: dict[str, float] = defaultdict(float)
        playing = False
        for dev, ts, content, sec in self.views:
            if dev not in devices or not (t - TWO_HOURS < ts <= t):
                continue
            total += sec
            genres = self.catalog.get(content, ([], None, None))[0]
            for g in genres:
                by_genre[g] += sec
            if "kids" in genres and ts <= t < ts + sec * 1000:
                playing = True
        labels = {g for g, s in by_genre.items() if total > 0 and s / total >= 0.30 - 1e-12}
        if playing or (total > 0 and by_genre.get("kids", 0.0) / total >= 0.5 - 1e-12):
            labels.add("kids_watching")
        return sorted(labels)

    def decide(self, device: str, campaign_id: str, t: int, rules_cap: dict | None = None) -> dict:
        rec = self.campaigns[campaign_id]
        cap = (
            rec.frequency_cap.model_dump()
            if rec.frequency_cap
            else {"max": 3, "window_s": 3600, "per": "household"}
        )
        if rules_cap:
            cap = rules_cap
        hh = self.household_of.get(device)
        everyone = set(self.members[hh]) if hh else {device}
        counted = everyone if hh and cap["per"] == "household" else {device}
        n = sum(
            1
            for dev, ts, c, _, _ in self.impressions
            if c == campaign_id and dev in counted and t - cap["window_s"] * 1000 < ts <= t
        )
        ctx = self.context(everyone, t)
        reasons = []
        if not rec.start_ms <= t < rec.end_ms:
            reasons.append("campaign_not_live")
        if self.spend.get(campaign_id, 0.0) >= rec.budget:
            reasons.append("budget_spent")
        if rec.age_min and "kids_watching" in ctx:
            reasons.append("age_min")
        if set(rec.avoid_contexts) & set(ctx):
            reasons.append("avoid_context")
        if n >= cap["max"]:
            reasons.append("frequency_cap")
        decision = "deny" if reasons else "allow"
        if not hh:
            reasons.append("unknown_device")
        if set(rec.prefer_contexts) & set(ctx):
            reasons.append("prefer_context")
        return {
            "decision": decision,
            "reasons": reasons,
            "household_id": hh,
            "impressions_in_window": n,
            "cap": cap["max"],
            "context": ctx,
        }

    def follow_up(self, device: str, t: int, within_s: int, types: dict[str, str | None]) -> list[tuple]:
        hh = self.household_of.get(device)
        if hh is None:
            return []
        others = set(self.members[hh]) - {device}
        out = [
            (ts, c, ad)
            for dev, ts, c, ad, _ in self.impressions
            if dev in others and t - within_s * 1000 < ts <= t
        ]
        return sorted(out, key=lambda x: (-x[0], x[1], x[2]))
