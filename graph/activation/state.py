"""Live activation state: ad exposures, recent viewing and reservations per device (no I/O, no clock).

Everything is keyed by the device's pseudonymous key, so a households job that moves a device moves its
history with it; a household's figures are the sum over its member devices at the moment of asking.
The shell feeds events in (any order, duplicates included) and passes the clock to every call.

The layout is columnar, for one instance to hold a million households: per device one flat
``array('q')`` of exposures (time, keyed identity, campaign and ad as small interned numbers packed in one
int64; 24 bytes each) and one flat ``array('d')`` of views (time, interned content number, seconds,
the low 52 bits of the keyed identity; 32 bytes each), both sorted by time; no Python object per
exposure or view. :class:`Exposure` and :class:`Viewing` are only built for the few rows a question
returns.
"""

from __future__ import annotations

import bisect
import sys
from array import array
from collections.abc import Iterable, Iterator
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
#: int64 slots per exposure (ts, eid, campaign << 32 | ad) and float64 slots per view (ts, content, s, id)
_EXP, _VIEW = 3, 4
#: a view's identity is kept as its low 52 bits (exact in a float64; a clash within one device's 2 hours
#: of views is a 2**-52 chance)
_VIEW_ID = (1 << 52) - 1
_AD_BITS = 32
_AD_MASK = (1 << _AD_BITS) - 1
#: times as float64 are exact below 2**53 ms; an int64 identity is any signed 64-bit number
_MAX_TS = 2**53


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


class DeviceState:
    """A device's exposures and views, each a flat array sorted by time (``None`` while empty)."""

    __slots__ = ("device_type", "exp", "reserved", "views")

    def __init__(self) -> None:
        self.device_type: str | None = None
        #: [ts, eid, campaign << 32 | ad] per exposure
        self.exp: array | None = None
        #: [ts, content, seconds, identity & _VIEW_ID] per view
        self.views: array | None = None
        #: campaign number -> expiry times (ms) of allowed impressions not logged yet
        self.reserved: dict[int, list[int]] | None = None

    def empty(self) -> bool:
        return not (self.exp or self.views or self.reserved)


def _ts_at(rows: array, width: int, since: float) -> int:
    """The first row (index in rows, not slots) whose time is > ``since`` (``rows`` sorted by time).

    >>> _ts_at(array("q", [5, 0, 0, 7, 0, 0, 7, 0, 0, 9, 0, 0]), 3, 7)
    3
    """
    # the slots of the rows' times, keyed by the array's own item getter: no Python frame per step
    return bisect.bisect_right(range(0, len(rows), width), since, key=rows.__getitem__)


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
        self.duplicate_views = 0
        self.too_old = 0
        #: campaign, ad and content ids as small numbers (an id is stored once, however often seen)
        self._number: dict[str, int] = {}
        self._names: list[str] = []

    def _num(self, name: str) -> int:
        n = self._number.get(name)
        if n is None:
            n = self._number[name] = len(self._names)
            self._names.append(sys.intern(name))
        return n

    def _device(self, key: str) -> DeviceState:
        st = self.devices.get(key)
        if st is None:
            st = self.devices[sys.intern(key)] = DeviceState()
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
        if ts <= now_ms - self.retain_ms or not 0 <= ts < _MAX_TS:
            self.too_old += 1
            return False
        if not -(2**63) <= eid < 2**63:
            raise ValueError(f"eid {eid} is not a signed 64-bit identity")
        st = self._device(device)
        if device_type is not None:
            st.device_type = sys.intern(device_type)
        cnum = self._num(campaign)
        packed = (cnum << _AD_BITS) | self._num(ad)
        rows = st.exp
        if rows is None:
            rows = st.exp = array("q")
        elif rows[0] <= now_ms - self.retain_ms:
            del rows[: _ts_at(rows, _EXP, now_ms - self.retain_ms) * _EXP]  # what a prune would drop
        hit = _copy_of(rows, ts, cnum, packed, eid)
        if hit is not None:
            self.duplicates += 1
            if hit >= 0:
                # the copy came first (delivery is not in order): the one exposure is the earliest
                del rows[hit * _EXP : hit * _EXP + _EXP]
                _insert(rows, _EXP, (ts, eid, packed))
            return False
        _insert(rows, _EXP, (ts, eid, packed))
        held = st.reserved.get(cnum) if st.reserved else None
        if held:
            held.pop(0)
            if not held:
                del st.reserved[cnum]
        return True

    def add_view(
        self,
        device: str,
        ts: int,
        content: str,
        seconds: float,
        now_ms: int,
        device_type: str | None = None,
        eid: int | None = None,
    ) -> bool:
        """Record a view for the live context; False when it is older than ``views_ms`` or a duplicate.

        A duplicate is the same ``eid`` (the event's keyed identity) on the same device: a view read
        twice (a re-routed window, a producer's retry) counts once. Without ``eid`` no view is a copy.

        >>> s = ActivationState(retain_ms=10_000)
        >>> s.add_view("d", 9_000, "film", 60.0, now_ms=9_000), s.add_view("d", 8_000, "news", 5.0, 9_000)
        (True, True)
        >>> again = ("d", 8_500, "news", 5.0, 9_000, None, -3)
        >>> s.add_view(*again), s.add_view(*again), s.duplicate_views
        (True, False, 1)
        >>> s.views_since(["d"], 0, 10_000)  # doctest: +NORMALIZE_WHITESPACE
        [Viewing(ts=8000, content='news', seconds=5.0), Viewing(ts=8500, content='news', seconds=5.0),
         Viewing(ts=9000, content='film', seconds=60.0)]
        """
        if ts <= now_ms - self.views_ms or not 0 <= ts < _MAX_TS:
            return False
        st = self._device(device)
        if device_type is not None:
            st.device_type = sys.intern(device_type)
        rows = st.views
        if rows is None:
            rows = st.views = array("d")
        elif rows[0] <= now_ms - self.views_ms:
            del rows[: _ts_at(rows, _VIEW, now_ms - self.views_ms) * _VIEW]
        ident = -1.0  # no identity: never equal to a stored one (those are >= 0)
        if eid is not None:
            ident = float(eid & _VIEW_ID)
            if _has_id(rows, ident):
                self.duplicate_views += 1
                return False
        _insert(rows, _VIEW, (ts, self._num(content), seconds, ident))
        return True

    def reserve(self, device: str, campaign: str, expires_ms: int) -> None:
        """Hold one allowed impression against the cap until it is logged or ``expires_ms``."""
        st = self._device(device)
        if st.reserved is None:
            st.reserved = {}
        bisect.insort(st.reserved.setdefault(self._num(campaign), []), expires_ms)

    def count(self, device: str, campaign: str, since_ms: int, until_ms: int) -> int:
        """Impressions of ``campaign`` on ``device`` with ``since_ms < ts <= until_ms``.

        >>> s = ActivationState(retain_ms=10_000)
        >>> s.add_impression("d", 1_000, "c", "a", 1, 1_000), s.add_impression("d", 1_500, "k", "a", 2, 1_500)
        (True, True)
        >>> s.count("d", "c", 0, 2_000), s.count("d", "k", 1_000, 2_000), s.count("d", "x", 0, 2_000)
        (1, 1, 0)
        """
        st = self.devices.get(device)
        rows = st.exp if st else None
        cnum = self._number.get(campaign)
        if not rows or cnum is None:
            return 0
        lo, hi = _ts_at(rows, _EXP, since_ms), _ts_at(rows, _EXP, until_ms)
        return sum(1 for p in rows[lo * _EXP + 2 : hi * _EXP : _EXP] if p >> _AD_BITS == cnum)

    def reserved(self, device: str, campaign: str, now_ms: int) -> int:
        """Reservations of ``campaign`` on ``device`` still open at ``now_ms``."""
        st = self.devices.get(device)
        if st is None or not st.reserved:
            return 0
        held = st.reserved.get(self._number.get(campaign, -1))
        return len(held) - bisect.bisect_right(held, now_ms) if held else 0

    def exposures_since(self, device: str, since_ms: int, until_ms: int) -> Iterator[Exposure]:
        """The device's exposures of any campaign with ``since_ms < ts <= until_ms``, by time."""
        st = self.devices.get(device)
        rows = st.exp if st else None
        if not rows:
            return
        names = self._names
        for i in range(_ts_at(rows, _EXP, since_ms), _ts_at(rows, _EXP, until_ms)):
            ts, eid, p = rows[i * _EXP : i * _EXP + _EXP]
            yield Exposure(ts, names[p >> _AD_BITS], names[p & _AD_MASK], eid)

    def views_since(self, devices: Iterable[str], since_ms: int, until_ms: int) -> list[Viewing]:
        """Views of ``devices`` with ``since_ms < ts <= until_ms`` (device by device, each by time)."""
        out: list[Viewing] = []
        names = self._names
        for d in devices:
            st = self.devices.get(d)
            rows = st.views if st else None
            if not rows:
                continue
            for i in range(_ts_at(rows, _VIEW, since_ms), _ts_at(rows, _VIEW, until_ms)):
                ts, content, seconds, _ = rows[i * _VIEW : i * _VIEW + _VIEW]
                out.append(Viewing(int(ts), names[int(content)], seconds))
        return out

    def prune(self, now_ms: int, keys: Iterable[str] | None = None) -> int:
        """Forget what fell out of every window, of ``keys`` (default: every device); returns devices
        dropped entirely. A device's old rows also go whenever it gets a new one.

        >>> s = ActivationState(retain_ms=1_000)
        >>> _ = s.add_impression("d", 500, "c", "a", eid=1, now_ms=500)
        >>> s.prune(now_ms=5_000, keys=["x"]), s.prune(now_ms=5_000), len(s.devices)
        (0, 1, 0)
        """
        old_exp, old_view = now_ms - self.retain_ms, now_ms - self.views_ms
        gone = 0
        devices = self.devices
        for key in list(devices) if keys is None else keys:
            st = devices.get(key)
            if st is None:
                continue
            if st.exp and st.exp[0] <= old_exp:
                st.exp = _trimmed(st.exp, _EXP, old_exp)
            if st.views and st.views[0] <= old_view:
                st.views = _trimmed(st.views, _VIEW, old_view)
            if st.reserved:
                for cnum in list(st.reserved):
                    held = st.reserved[cnum]
                    del held[: bisect.bisect_right(held, now_ms)]
                    if not held:
                        del st.reserved[cnum]
            if st.empty():
                del devices[key]
                gone += 1
        return gone

    def take(self, device: str) -> tuple[str | None, list[tuple], list[tuple]]:
        """Remove ``device`` and return its device type, exposures ``(ts, eid, campaign, ad)`` and views
        ``(ts, content, seconds, identity or None)``, by time: what another instance needs to hold the
        device (scale-out, when a households run moves it to a household that instance owns). Its
        reservations stay behind (they expire within seconds).

        >>> s = ActivationState(retain_ms=10_000)
        >>> _ = s.add_impression("d", 1_000, "c", "a", eid=7, now_ms=1_000, device_type="tv")
        >>> _ = s.add_view("d", 900, "film", 60.0, now_ms=1_000, eid=2**60 + 5)
        >>> s.take("d"), s.take("d"), len(s.devices)
        (('tv', [(1000, 7, 'c', 'a')], [(900, 'film', 60.0, 5)]), (None, [], []), 0)
        """
        st = self.devices.pop(device, None)
        if st is None:
            return None, [], []
        names = self._names
        exp = st.exp or ()
        views = st.views or ()
        exposures = [
            (exp[i], exp[i + 1], names[exp[i + 2] >> _AD_BITS], names[exp[i + 2] & _AD_MASK])
            for i in range(0, len(exp), _EXP)
        ]
        viewings = [
            (
                int(views[i]),
                names[int(views[i + 1])],
                views[i + 2],
                int(views[i + 3]) if views[i + 3] >= 0 else None,
            )
            for i in range(0, len(views), _VIEW)
        ]
        return st.device_type, exposures, viewings

    def names_held(self) -> int:
        """Distinct campaign, ad and content ids interned so far (they are never forgotten)."""
        return len(self._names)


def _copy_of(rows: array, ts: int, cnum: int, packed: int, eid: int) -> int | None:
    """Whether an exposure (``packed`` campaign and ad) is a duplicate of one in ``rows``.

    ``None``: new. ``-1``: a duplicate to drop. ``i >= 0``: a re-sent copy of the row ``i`` that came
    later than this one (the row must be replaced by this, earlier, exposure). A duplicate is the same
    ``eid`` of the same campaign at any time, or the same ad within :data:`RESEND_MS`; the first
    matching row of the campaign by time decides.

    >>> rows = array("q", [1_000, 7, 5])
    >>> _copy_of(rows, 1_500, 0, 5, 8), _copy_of(rows, 500, 0, 5, 8), _copy_of(rows, 9_000, 0, 6, 7)
    (-1, 0, -1)
    >>> _copy_of(rows, 9_000, 0, 6, 8) is None
    True
    """
    n = len(rows) // _EXP
    i = bisect.bisect_left(range(0, len(rows), _EXP), ts - RESEND_MS, key=rows.__getitem__)
    while i < n:
        at = i * _EXP
        t = rows[at]
        if t > ts + RESEND_MS:
            break
        p = rows[at + 2]
        if p >> _AD_BITS == cnum and (rows[at + 1] == eid or p == packed):
            return i if p == packed and rows[at + 1] != eid and ts < t else -1
        i += 1
    # the same identity outside the re-send window (an eid equal to a time or a packed id is no match)
    start = 1
    while True:
        try:
            at = rows.index(eid, start)
        except ValueError:
            return None
        if at % _EXP == 1 and rows[at + 1] >> _AD_BITS == cnum:
            return -1
        start = at + 1


def _has_id(rows: array, ident: float) -> bool:
    """Whether a view of ``rows`` has the identity ``ident`` (the fourth slot of a row).

    >>> _has_id(array("d", [1, 0, 5, 9, 2, 9, 5, 7]), 9.0), _has_id(array("d", [1, 0, 5, 9]), 5.0)
    (True, False)
    """
    start = 0
    while True:
        try:
            at = rows.index(ident, start)
        except ValueError:
            return False
        if at % _VIEW == _VIEW - 1:
            return True
        start = at + 1


def _trimmed(rows: array, width: int, old: float) -> array | None:
    """``rows`` without the rows at or before ``old``; None when none is left.

    >>> _trimmed(array("q", [1, 0, 0, 5, 0, 0]), 3, 1), _trimmed(array("q", [1, 0, 0]), 3, 1)
    (array('q', [5, 0, 0]), None)
    """
    del rows[: _ts_at(rows, width, old) * width]
    return rows or None


def _insert(rows: array, width: int, row: tuple) -> None:
    """Insert ``row`` after every row of the same or an earlier time (a stable insert by time)."""
    new = array(rows.typecode, row)  # converted first: a bad value never leaves half a row behind
    if not rows or rows[-width] <= row[0]:
        rows.extend(new)
        return
    at = _ts_at(rows, width, row[0]) * width
    rows[at:at] = new
