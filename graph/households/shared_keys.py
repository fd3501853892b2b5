"""Device keys that are many devices: one MAC seen in several homes in the same hour.

Apps on Android 6+ and iOS 7+ cannot read the Wi-Fi MAC: the system hands them the placeholder
``02:00:00:00:00:00``, and an SDK that logs it gives thousands of devices one key. Cloned and
factory-duplicated MACs do the same on a smaller scale. No device is in five homes at once, but
such a key is, all week, and as a device it would tie every one of those homes together. A key
seen on more than ``max_residences_per_hour`` networks a home could be behind
(``residence_classes``) within one hour, in at least ``shared_key_min_hours`` hours, is such a
key: its rows are no household evidence, and it stays unassigned (``shared_key``). A real device
in an hour is on its home's IPv4 and IPv6 networks, and a friend's, at most (3 on the generated
worlds, in 1 or 2 hours of 14 days).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from graph.networks import PresenceTable, classify_table, sorted_runs
from graph.params import HOUR_MS, HouseholdParams

__all__ = ["evidence_table", "shared_keys", "without_devices"]


def shared_keys(t: PresenceTable, net_class: np.ndarray, p: HouseholdParams) -> np.ndarray:
    """Per device code: whether its key is many devices (module docstring).

    >>> rows = [{"device": "02:00", "network": f"home{i}", "hour": h * HOUR_MS}
    ...         for i in range(6) for h in (19, 20)]
    >>> rows += [{"device": "tv", "network": n, "hour": 19 * HOUR_MS} for n in ("v4", "v6", "friend")]
    >>> t = PresenceTable.from_rows(rows)
    >>> shared_keys(t, np.zeros(t.n_networks, dtype=np.int8), HouseholdParams()).tolist()
    [True, False]
    """
    codes = p.residence_codes
    rows = np.isin(net_class, codes)[t.net]
    out = np.zeros(t.n_devices, dtype=bool)
    if not rows.any():
        return out
    hour = t.hour[rows] // HOUR_MS
    h0, span = int(hour.min()), int(hour.max() - hour.min()) + 1
    # table rows are distinct (device, network, hour): rows per (device, hour) = its networks then
    dh, networks = sorted_runs(t.dev[rows].astype(np.int64) * span + (hour - h0))
    crowded = np.bincount(dh[networks > p.max_residences_per_hour] // span, minlength=t.n_devices)
    out[crowded >= p.shared_key_min_hours] = True
    return out


def without_devices(t: PresenceTable, devices: np.ndarray) -> PresenceTable:
    """``t`` without the rows of ``devices`` (bool per code); the codes stay as they are.

    >>> t = PresenceTable.from_rows([{"device": d, "network": "n", "hour": 0} for d in "ab"])
    >>> u = without_devices(t, np.array([True, False]))
    >>> u.dev.tolist(), u.n_devices
    ([1], 2)
    """
    keep = ~devices[t.dev]
    return replace(t, dev=t.dev[keep], net=t.net[keep], hour=t.hour[keep], events=t.events[keep])


def evidence_table(t: PresenceTable, p: HouseholdParams) -> tuple[PresenceTable, np.ndarray, np.ndarray]:
    """``(table, network classes, shared)``: ``t`` without the rows of keys that are many devices
    (``shared``, bool per device code), and the classes of its networks read without them.

    >>> rows = [{"device": "02:00", "network": f"n{i}", "hour": h * HOUR_MS}
    ...         for i in range(6) for h in (19, 20)]
    >>> t, cls, shared = evidence_table(PresenceTable.from_rows(rows), HouseholdParams())
    >>> len(t.dev), shared.tolist()
    (0, [True])
    """
    net_class, _ = classify_table(t, p.network)
    shared = shared_keys(t, net_class, p)
    if shared.any():  # no evidence, for the networks either
        t = without_devices(t, shared)
        net_class, _ = classify_table(t, p.network)
    return t, net_class, shared
