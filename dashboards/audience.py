"""Audience segments as plain data: filter parameters, the clean-room rules, CSV text.

Clean-room rules for marketers (analysts see exact figures):

- a count below k is shown as ``< k``; counts of k or more are rounded down to :data:`ROUND_TO`;
- an export holds household ids only (device keys only in analysts' exports), and as many of
  them as the rounded count (the segment's members in a fixed pseudo-random order);
- an export is refused when it differs from an earlier marketer export by fewer than k households
  in either direction (:func:`difference_refusal`), so the difference of two overlapping exports
  never singles out a few households.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from graph.vocabulary import DAY_MS

__all__ = [
    "DAY_MS",
    "ROUND_TO",
    "Segment",
    "devices_csv",
    "difference_refusal",
    "export_refusal",
    "households_csv",
    "marketer_count",
    "rounded_count",
    "rounded_members",
]

#: marketers' counts are rounded down to a multiple of this
ROUND_TO = 10


@dataclass(frozen=True)
class Segment:
    """A segment of households; ``params()`` gives the parameters of the audience queries.

    >>> Segment(min_size=2, active_days=7).params(now_ms=10 * DAY_MS)["active_since"]
    259200000
    """

    genre: str | None = None
    min_score: float = 0.0
    device_types: tuple[str, ...] = field(default_factory=tuple)
    min_size: int = 1
    max_size: int = 20
    kids: bool | None = None
    min_degree: int = 0
    active_days: int | None = None
    min_affluence: float | None = None  # graph.campaigns.affluence: 0..1
    persona: str | None = None  # a member device currently has this persona
    age_band: str | None = None  # the household's audience includes this age band

    def params(self, now_ms: int) -> dict[str, Any]:
        p = asdict(self)
        days = p.pop("active_days")
        p["device_types"] = list(self.device_types)
        p["active_since"] = None if days is None else now_ms - days * DAY_MS
        return p


def export_refusal(households: int, minimum: int) -> str | None:
    """Why a segment of ``households`` may not be exported (clean-room rule), or ``None``.

    >>> export_refusal(49, 50)
    'export refused: the segment has 49 households, fewer than the minimum of 50 (clean-room rule)'
    >>> export_refusal(50, 50) is None
    True
    """
    if households < minimum:
        return (
            f"export refused: the segment has {households} households, fewer than the minimum of "
            f"{minimum} (clean-room rule)"
        )
    return None


def households_csv(members: list[dict[str, Any]]) -> str:
    """One household id a line under a header.

    >>> households_csv([{"household": "h1", "devices": ["a"]}])
    'household\\r\\nh1\\r\\n'
    """
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["household"])
    w.writerows([m["household"]] for m in members)
    return out.getvalue()


def devices_csv(members: list[dict[str, Any]]) -> str:
    """One (household, device key) pair a line under a header."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["household", "device"])
    w.writerows([m["household"], d] for m in members for d in m.get("devices") or [])
    return out.getvalue()


def rounded_count(n: int, step: int = ROUND_TO) -> int:
    """``n`` rounded down to a multiple of ``step``.

    >>> rounded_count(57), rounded_count(50), rounded_count(9)
    (50, 50, 0)
    """
    return n // step * step


def marketer_count(n: int | None, minimum: int, step: int = ROUND_TO) -> str:
    """A count as a marketer sees it: ``< k`` below the minimum, else rounded down.

    >>> marketer_count(7, 50), marketer_count(0, 50), marketer_count(1234, 50)
    ('< 50', '< 50', '1,230')
    """
    n = n or 0
    return f"< {minimum}" if n < minimum else f"{rounded_count(n, step):,}"


def rounded_members(members: list[dict[str, Any]], step: int = ROUND_TO) -> list[dict[str, Any]]:
    """The segment cut to its rounded count, households in a fixed pseudo-random order (by digest).

    >>> [m["household"] for m in rounded_members([{"household": f"h{i}"} for i in range(13)])][:3]
    ['h1', 'h10', 'h11']
    >>> len(rounded_members([{"household": f"h{i}"} for i in range(13)]))
    10
    """
    ordered = sorted(members, key=lambda m: hashlib.sha256(str(m["household"]).encode()).digest())
    return ordered[: rounded_count(len(ordered), step)]


def difference_refusal(members: set[str], earlier: list[set[str]], minimum: int) -> str | None:
    """Why an export may not go out next to ``earlier`` exports (their difference is a few households).

    >>> a = {f"h{i}" for i in range(60)}
    >>> difference_refusal(a, [a], 50) is None, difference_refusal(a, [set()], 50) is None
    (True, True)
    >>> difference_refusal(a, [a - {"h1"}], 50)
    'export refused: it differs from an earlier export by 1 households, fewer than 50 (differencing)'
    """
    for prev in earlier:
        for diff in (len(members - prev), len(prev - members)):
            if 0 < diff < minimum:
                return (
                    f"export refused: it differs from an earlier export by {diff} households, "
                    f"fewer than {minimum} (differencing)"
                )
    return None
