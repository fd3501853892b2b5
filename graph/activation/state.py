"""Live activation state: ad exposures, recent viewing and reservations per device (no I/O, no clock).

Everything is keyed by the device's pseudonymous key, so a households job that moves a device moves its
history with it; a household's figures are the sum over its member devices at the moment of asking.
The shell feeds events in (any order, duplicates included) and passes the clock to every call.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from graph.vocabulary import HOUR_MS

__all__ = [
    "CONTEXT_MS",
    "RESEND_MS",
    "ActivationState",
    "ContentInfo",
    "DeviceState",
    "Exposure",
    "Viewing",
]

#: the live context looks back this far (issue: "the household's last 2 hours of viewing")
CONTEXT_MS = 2 * HOUR_MS
#: a re-sent copy of the same ad event for the same device within this counts once (contract §5)
RESEND_MS = 2_000


class Exposure(NamedTuple):
    """One ad impression of a device (``eid``: the event's keyed identity)."""

    ts: int
    campaign: str
    ad: str
    eid: int


class Viewing(NamedTuple):
    """One view of a device: when it started, what, and for how many seconds."""

    ts: int
    content: str
    seconds: float


class ContentInfo(NamedTuple):
    """What the live context needs of a title (contract §2)."""

    genres: tuple[str, ...] = ()
    kind: str | None = None
    age_rating: int | None = None


@dataclass(slots=True)
class DeviceState:
    """A device's exposures by campaign and its viewing, each sorted by time."""

    device_type: str | None = None
    exposures: dict[str, list[Exposure]] = field(default_factory=dict)
    views: list[Viewing] = field(default_factory=list)
    #: campaign -> expiry times (ms) of allowed impressions not logged yet
    reserved: dict[str, list[int]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.exposures or self.views or self.reserved)


class ActivationState:
    """Exposures within ``retain_ms`` and views within ``views_ms`` (the live context's look-back, or
    longer so that decisions asked for a past ``ts`` see the context of that time), per device key.

    >>> s = ActivationState(retain_ms=3_600_000)
    >>> s.add_impression("d1", 1_000, "c", "a", eid=7, now_ms=1_000)
    True
    >>> s.add_impression("d1", 1_000, "c", "a", eid=7, now_ms=1_000)  # the same event again
    False
    >>> s.count("d1", "c", since_ms=0, until_ms=2_000)
    1
    """

    def __init__(self, retain_ms: int, views_ms: int = CONTEXT_MS) -> None:
        self.retain_ms = retain_ms
        self.views_ms = max(views_ms, CONTEXT_MS)
        self.devices: dict[str, DeviceState] = {}
        self.duplicates = 0
        self.too_old = 0

    def _device(self, key: str) -> DeviceState:
        st = self.devices.get(key)
        if st is None:
            st = self.devices[key] = DeviceState()
        return st

    def add_impression(
        self,
        device: str,
        ts: int,
        campaign: str,
        ad: str,
        eid: int,
        now_ms: int,
        device_type: str | None = None,
    ) -> bool:
        """Record an impression; False for a duplicate or one older than the retained window.

        A duplicate is the same ``eid``, or the same ad on the same device within :data:`RESEND_MS`.
        The impression settles the oldest reservation of its device and campaign.

        >>> s = ActivationState(retain_ms=10_000)
        >>> s.add_impression("d", 5_000, "c", "a", eid=1, now_ms=5_000)
        True
        >>> s.add_impression("d", 6_500, "c", "a", eid=2, now_ms=6_500)  # re-sent 1.5 s later
        False
        >>> s.add_impression("d", 100, "c", "a", eid=3, now_ms=20_000)  # outside the window
        False
        >>> s.add_impression("d", 4_000, "c", "a", eid=4, now_ms=6_500)  # the original, delivered late
        False
        >>> s.count("d", "c", since_ms=0, until_ms=4_000)  # the exposure is the earliest of the copies
        1
        """
        if ts <= now_ms - self.retain_ms:
            self.too_old += 1
            return False
        st = self._device(device)
        if device_type is not None:
            st.device_type = sys.intern(device_type)
        # every parsed event brings its own copies of these few strings: one shared copy each
        campaign, ad = sys.intern(campaign), sys.intern(ad)
        seen = st.exposures.setdefault(campaign, [])
        lo = bisect.bisect_left(seen, ts - RESEND_MS, key=_ts)
        for i, e in enumerate(seen[lo:], start=lo):
            if e.ts > ts + RESEND_MS:
                break
            if e.eid == eid or e.ad == ad:
                self.duplicates += 1
                if e.ad == ad and e.eid != eid and ts < e.ts:
                    # the copy came first (delivery is not in order): the one exposure is the earliest
                    del seen[i]
                    bisect.insort(seen, Exposure(ts, campaign, ad, eid), key=_ts)
                return False
        if any(e.eid == eid for e in seen):
            self.duplicates += 1
            return False
        bisect.insort(seen, Exposure(ts, campaign, ad, eid), key=_ts)
        held = st.reserved.get(campaign)
        if held:
            held.pop(0)
            if not held:
                del st.reserved[campaign]
        return True

    def add_view(
        self, device: str, ts: int, content: str, seconds: float, now_ms: int, device_type: str | None = None
    ) -> bool:
        """Record a view for the live context; False when it is older than ``views_ms``."""
        if ts <= now_ms - self.views_ms:
            return False
        st = self._device(device)
        if device_type is not None:
            st.device_type = sys.intern(device_type)
        v = Viewing(ts, sys.intern(content), seconds)
        if st.views and st.views[-1].ts <= ts:
            st.views.append(v)
        else:
            bisect.insort(st.views, v, key=_ts)
        return True

    def reserve(self, device: str, campaign: str, expires_ms: int) -> None:
        """Hold one allowed impression against the cap until it is logged or ``expires_ms``."""
        held = self._device(device).reserved.setdefault(campaign, [])
        bisect.insort(held, expires_ms)

    def count(self, device: str, campaign: str, since_ms: int, until_ms: int) -> int:
        """Impressions of ``campaign`` on ``device`` with ``since_ms < ts <= until_ms``."""
        st = self.devices.get(device)
        seen = st.exposures.get(campaign) if st else None
        if not seen:
            return 0
        return bisect.bisect_right(seen, until_ms, key=_ts) - bisect.bisect_right(seen, since_ms, key=_ts)

    def reserved(self, device: str, campaign: str, now_ms: int) -> int:
        """Reservations of ``campaign`` on ``device`` still open at ``now_ms``."""
        st = self.devices.get(device)
        held = st.reserved.get(campaign) if st else None
        return len(held) - bisect.bisect_right(held, now_ms) if held else 0

    def exposures_since(self, device: str, since_ms: int, until_ms: int) -> Iterator[Exposure]:
        """The device's exposures of any campaign with ``since_ms < ts <= until_ms``."""
        st = self.devices.get(device)
        if st is None:
            return
        for seen in st.exposures.values():
            lo = bisect.bisect_right(seen, since_ms, key=_ts)
            for e in seen[lo:]:
                if e.ts > until_ms:
                    break
                yield e

    def views_since(self, devices: Iterable[str], since_ms: int, until_ms: int) -> list[Viewing]:
        """Views of ``devices`` with ``since_ms < ts <= until_ms``."""
        out: list[Viewing] = []
        for d in devices:
            st = self.devices.get(d)
            if st is None:
                continue
            lo = bisect.bisect_right(st.views, since_ms, key=_ts)
            out.extend(v for v in st.views[lo:] if v.ts <= until_ms)
        return out

    def prune(self, now_ms: int) -> int:
        """Forget what fell out of every window; returns devices dropped entirely.

        >>> s = ActivationState(retain_ms=1_000)
        >>> _ = s.add_impression("d", 500, "c", "a", eid=1, now_ms=500)
        >>> s.prune(now_ms=5_000), len(s.devices)
        (1, 0)
        """
        old_exp, old_view = now_ms - self.retain_ms, now_ms - self.views_ms
        gone = []
        for key, st in self.devices.items():
            for campaign in list(st.exposures):
                seen = st.exposures[campaign]
                cut = bisect.bisect_right(seen, old_exp, key=_ts)
                if cut == len(seen):
                    del st.exposures[campaign]
                elif cut:
                    del seen[:cut]
            if st.views:
                del st.views[: bisect.bisect_right(st.views, old_view, key=_ts)]
            for campaign in list(st.reserved):
                held = st.reserved[campaign]
                del held[: bisect.bisect_right(held, now_ms)]
                if not held:
                    del st.reserved[campaign]
            if st.empty():
                gone.append(key)
        for key in gone:
            del self.devices[key]
        return len(gone)


def _ts(row: Exposure | Viewing) -> int:
    return row.ts
