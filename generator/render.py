"""Rendering events as contract JSON lines: mixed timestamp and MAC notations, optional fields."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from generator.behaviour import EVENTS, DayEvents

__all__ = ["PLACEHOLDER_MAC", "Renderer", "TsFormatter", "ad_ids"]

#: What Android 6+ and iOS 7+ hand an app that asks for the Wi-Fi MAC.
PLACEHOLDER_MAC = "02:00:00:00:00:00"

_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


class TsFormatter:
    """Epoch ms -> RFC 3339 (``Z`` / ``+01:00`` / ``+02:00``, with or without millis) or int ms.

    >>> f = TsFormatter(); f.format(1793646251000, 0), f.format(1793646251123, 2)
    ('2026-11-02T19:04:11Z', '2026-11-02T20:04:11.123+01:00')
    """

    def __init__(self) -> None:
        self._dates: dict[int, str] = {}

    def _date(self, day: int) -> str:
        d = self._dates.get(day)
        if d is None:
            d = self._dates[day] = datetime.fromtimestamp(day * 86_400, tz=UTC).strftime("%Y-%m-%d")
        return d

    def format(self, ms: int, style: int) -> str | int:
        """``style``: 0 Z, 1 Z+millis, 2 +01:00 with millis, 3 +02:00, 4 epoch ms."""
        if style == 4:
            return ms
        off = 0 if style < 2 else (3_600_000 if style == 2 else 7_200_000)
        t = ms + off
        day, rest = divmod(t, 86_400_000)
        sec, milli = divmod(rest, 1000)
        base = self._date(day) + "T" + _HMS[sec]
        if style == 0:
            return base + "Z"
        if style == 1:
            return f"{base}.{milli:03d}Z"
        return f"{base}.{milli:03d}+01:00" if style == 2 else base + "+02:00"


def ad_ids(n_ads: int) -> list[tuple[str, str]]:
    """(ad_id, campaign_id) of every creative: campaigns of 1-4 creatives.

    >>> ad_ids(3)
    [('ad-00-c1', 'cmp-00'), ('ad-00-c2', 'cmp-00'), ('ad-00-c3', 'cmp-00')]
    """
    out = []
    for i in range(n_ads):
        camp = i // 3
        out.append((f"ad-{camp:02d}-c{i % 3 + 1}", f"cmp-{camp:02d}"))
    return out


class Renderer:
    """Turns :class:`DayEvents` plus resolved addresses into JSON objects / lines."""

    def __init__(self, world, event_id_rate: float, placeholder: np.ndarray | None = None) -> None:
        self.w = world
        self.placeholder = placeholder  # per device: its app sometimes sends PLACEHOLDER_MAC, and how often
        self.ts = TsFormatter()
        self.content_ids = [r["content_id"] for r in world.catalog.records]
        self.ads = ad_ids(90)
        self.event_id_rate = event_id_rate

    def objects(
        self,
        ev: DayEvents,
        table: list[str],
        aid: np.ndarray,
        rng: np.random.Generator,
        tag: str,
        ts_override: np.ndarray | None = None,
    ) -> list[dict]:
        """One dict per event, in the order of ``ev`` (field choices drawn from ``rng``)."""
        w, n = self.w, len(ev.ts)
        ts = ev.ts if ts_override is None else ts_override
        style = rng.choice(5, size=n, p=[0.35, 0.2, 0.15, 0.1, 0.2]).tolist()
        notation = rng.choice(4, size=n, p=[0.55, 0.2, 0.1, 0.15]).tolist()
        has_eid = (rng.random(n) < self.event_id_rate).tolist()
        omit_event = (rng.random(n) < 0.3).tolist()
        n_cat = len(self.content_ids)
        fmt, forms, rep, src = self.ts.format, w.dev_mac_forms, w.dev_reported, w.dev_source
        # drawn only when some apps send the placeholder, so the other worlds stay as they were
        blind = [] if self.placeholder is None else (rng.random(n) < self.placeholder[ev.dev]).tolist()
        out = []
        for i, (t, d, e, c, dur, a, ai) in enumerate(
            zip(
                ts.tolist(),
                ev.dev.tolist(),
                ev.event.tolist(),
                ev.content.tolist(),
                ev.duration.tolist(),
                ev.ad.tolist(),
                aid.tolist(),
            )
        ):
            o = {
                "ts": fmt(t, style[i]),
                "ip": table[ai],
                "mac": PLACEHOLDER_MAC if blind and blind[i] else forms[d][notation[i]],
            }
            if e or not omit_event[i]:
                o["event"] = EVENTS[e]
            if c >= 0:
                o["content_id"] = self.content_ids[c] if c < n_cat else f"art-new-{c - n_cat:04d}"
            r = rep[d]
            if r is not None:
                o["device_type"] = r
            if dur == dur:  # not nan
                o["duration_s"] = dur
            if a >= 0:
                o["ad_id"], o["campaign_id"] = self.ads[a]
            o["source"] = src[d]
            if has_eid[i]:
                o["event_id"] = f"{tag}-{i:07d}"
            out.append(o)
        return out
