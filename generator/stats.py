"""Statistics of a generated world, accumulated day by day from the event arrays."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from generator.behaviour import EVENTS, DayEvents
from generator.networks import LOC_KINDS
from generator.world import FORMS

__all__ = ["WorldStats"]


@dataclass
class WorldStats:
    """Counters a batch run prints at the end (see :meth:`summary`)."""

    events_by_form_day: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    form_loc: np.ndarray = field(
        default_factory=lambda: np.zeros((len(FORMS), len(LOC_KINDS)), dtype=np.int64)
    )
    events_by_kind: Counter = field(default_factory=Counter)
    malformed_by_kind: Counter = field(default_factory=Counter)
    office_devices: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    homes_per_address: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    devices_per_home: list[int] = field(default_factory=list)
    shared_homes: dict[str, set[int]] = field(default_factory=dict)
    valid: int = 0
    duplicates: int = 0

    def add_day(self, world, ev: DayEvents, table: list[str], aid: np.ndarray) -> None:
        """Count one day's valid events."""
        form = world.dev_form[ev.dev]
        per_form = np.bincount(form, minlength=len(FORMS))
        for f, name in enumerate(FORMS):
            self.events_by_form_day[name].append(int(per_form[f]))
        np.add.at(self.form_loc, (form, ev.loc_kind), 1)
        for e, c in zip(*np.unique(ev.event, return_counts=True)):
            self.events_by_kind[EVENTS[e]] += int(c)
        office = ev.loc_kind == 1
        for a, d in set(zip(aid[office].tolist(), ev.dev[office].tolist())):
            self.office_devices[table[a]].add(d)
        home = ev.loc_kind == 0
        for a, h in set(zip(aid[home].tolist(), ev.loc[home].tolist())):
            if ":" not in table[a]:
                self.homes_per_address[table[a]].add(h)
        self.valid += len(ev.ts)

    def summary(self) -> dict:
        """Plain-data summary (JSON-able)."""
        shared = [len(v) for v in self.shared_homes.values()]
        office = [len(v) for v in self.office_devices.values()]
        reuse = [len(v) for v in self.homes_per_address.values()]
        return {
            "valid_events": self.valid,
            "duplicates": self.duplicates,
            "events_per_form_per_day": {
                k: round(float(np.mean(v)), 1) for k, v in self.events_by_form_day.items()
            },
            "events_by_location": {
                FORMS[f]: {LOC_KINDS[k]: int(self.form_loc[f, k]) for k in range(len(LOC_KINDS))}
                for f in range(len(FORMS))
            },
            "devices_per_home": _dist(self.devices_per_home),
            "homes_per_cgnat_address": _dist(shared),
            "devices_per_office_ip": _dist(office),
            "homes_per_home_ipv4": _dist(reuse),
            "events_by_kind": dict(sorted(self.events_by_kind.items())),
            "malformed_by_kind": dict(sorted(self.malformed_by_kind.items())),
        }


def _dist(xs: list[int]) -> dict:
    if not xs:
        return {"n": 0}
    a = np.array(xs)
    return {
        "n": len(a),
        "mean": round(float(a.mean()), 2),
        "median": float(np.median(a)),
        "max": int(a.max()),
    }
