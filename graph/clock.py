"""The viewers' local time, read from the data: which UTC offset makes the TVs watch like TVs.

Every time-of-day rule of the graph (home evenings and nights, office hours, the night on which
carriers remap addresses, dayparts) is written in local time, and the logs' hours are UTC. A
broadcaster in New York, Lisbon or Berlin sends the same UTC logs with its evenings at other UTC
hours; a fixed offset would read New York's evenings as Berlin's nights. So the offset is read
from the data, as named steps:

1. :func:`utc_hour_profile`: the TVs' device-hours by UTC hour of day (all devices' if few TVs);
2. :func:`offset_scores`: per offset, how well the profile moved to local time matches
   :data:`REFERENCE_TV_PROFILE` (TV audience by local hour: quiet nights, a morning rise, prime
   time at 20-22 h; the shape broadcasters' audience measurement shows everywhere);
3. :func:`best_offset`: the best offset, or ``None`` when the data are too few to say;
4. :func:`with_profile` / :func:`localized`: household settings with that offset (and the
   carriers' remap night moved with it), unless ``NetworkParams.infer_local_offset`` is off or
   the data are too few (then the offset set there). The Spark engine computes the same profile
   (``graph.spark.presence.local_presence``) and calls :func:`with_profile`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graph.params import DEVICE_TYPES, HOUR_MS, HouseholdParams

if TYPE_CHECKING:  # graph.networks reads local time through this module
    from graph.networks import PresenceTable

__all__ = [
    "OFFSETS",
    "REFERENCE_TV_PROFILE",
    "best_offset",
    "localized",
    "offset_scores",
    "utc_hour_profile",
    "with_profile",
]

#: Share of TV viewing by local hour of day (0-23), a typical broadcast audience curve.
REFERENCE_TV_PROFILE = np.array(
    [2.5, 1.5, 0.9, 0.6, 0.6, 0.9, 1.8, 2.8, 3.0, 3.0, 3.0, 3.2,
     3.6, 3.8, 3.8, 4.0, 4.5, 5.2, 6.2, 7.6, 9.0, 9.2, 7.4, 4.6]
)  # fmt: skip
#: Candidate offsets local - UTC in hours (every hour of the day once).
OFFSETS = tuple(range(-11, 13))
#: Fewer device-hours than this say too little about the day's shape.
MIN_DEVICE_HOURS = 500


def utc_hour_profile(hour_ms: np.ndarray, dev: np.ndarray, device_type: np.ndarray) -> np.ndarray:
    """Rows per UTC hour of day (24 counts): the TVs' rows, or every row when TVs have fewer than
    :data:`MIN_DEVICE_HOURS` (``dev``: device code per row, ``device_type``: type code per device).

    >>> hours = np.array([19, 20, 20, 43]) * HOUR_MS
    >>> utc_hour_profile(hours, np.array([0, 0, 1, 1]), np.array([0, 1]))[18:22].tolist()
    [0, 2, 2, 0]
    """
    hod = (np.asarray(hour_ms, dtype=np.int64) // HOUR_MS) % 24
    tv = np.asarray(device_type)[np.asarray(dev)] == DEVICE_TYPES.index("tv")
    if tv.sum() >= MIN_DEVICE_HOURS:
        hod = hod[tv]
    return np.bincount(hod, minlength=24)


def offset_scores(profile: np.ndarray, reference: np.ndarray = REFERENCE_TV_PROFILE) -> np.ndarray:
    """Per offset of :data:`OFFSETS`: the correlation of the profile moved to local time
    (local hour = UTC hour + offset) with ``reference``.

    >>> utc = np.roll(REFERENCE_TV_PROFILE, -2)          # a world two hours ahead of UTC
    >>> OFFSETS[int(np.argmax(offset_scores(utc)))]
    2
    """
    p = np.asarray(profile, dtype=np.float64)
    return np.array([np.corrcoef(np.roll(p, o), reference)[0, 1] if p.std() > 0 else 0.0 for o in OFFSETS])


def best_offset(profile: np.ndarray, reference: np.ndarray = REFERENCE_TV_PROFILE) -> int | None:
    """The offset whose local profile is most like ``reference``; ``None`` with fewer than
    :data:`MIN_DEVICE_HOURS` rows.

    >>> best_offset(np.roll(REFERENCE_TV_PROFILE * 100, 5))   # New York: UTC-5
    -5
    >>> best_offset(np.ones(24)) is None
    True
    """
    if np.sum(profile) < MIN_DEVICE_HOURS:
        return None
    return OFFSETS[int(np.argmax(offset_scores(profile, reference)))]


def with_profile(p: HouseholdParams, profile: np.ndarray) -> HouseholdParams:
    """``p`` with the local offset of ``profile`` (:func:`best_offset`) and the carriers' remap
    night moved with it (same local hour); ``p`` itself when ``p.network.infer_local_offset`` is
    off. The result does not infer again; too few data: the offset ``p`` sets.

    >>> q = with_profile(HouseholdParams(), np.roll(REFERENCE_TV_PROFILE * 100, 5))   # UTC-5
    >>> q.network.local_offset_hours, q.cgnat_day_start_hour, q.network.infer_local_offset
    (-5, 9, False)
    """
    if not p.network.infer_local_offset:
        return p
    offset = best_offset(profile)
    return p.at_offset(p.network.local_offset_hours if offset is None else offset)


def localized(p: HouseholdParams, t: PresenceTable) -> HouseholdParams:
    """``p`` with the local offset read from ``t`` (:func:`utc_hour_profile`, :func:`with_profile`).

    >>> from graph.networks import PresenceTable
    >>> t = PresenceTable.from_rows([{"device": f"tv{d}", "device_type": "tv", "network": "n",
    ...     "hour": (h - 1 + 24 * d) * HOUR_MS} for d in range(60) for h in (19, 20, 21, 22, 8)])
    >>> q = localized(HouseholdParams(), t)
    >>> q.network.local_offset_hours, q.cgnat_day_start_hour, q.network.infer_local_offset
    (1, 3, False)
    """
    if not p.network.infer_local_offset:
        return p
    return with_profile(p, utc_hour_profile(t.hour, t.dev, t.device_type))
