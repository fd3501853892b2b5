"""Audience segments as plain data: filter parameters, the clean-room export rule, CSV text."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from graph.vocabulary import DAY_MS

__all__ = ["DAY_MS", "Segment", "devices_csv", "export_refusal", "households_csv"]


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
