"""The household job's pure core: presence rows (+ previous ids) in, memberships out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph.clock import localized
from graph.clustering import Partitioner, louvain_partition
from graph.households.apart import fixed_rows
from graph.households.attach import attach_short_histories
from graph.households.cluster import LEFT_HOUSEHOLD, SHARED_KEY, UNASSIGNED_REASONS, cluster_devices
from graph.households.copresence import CoPresence, copresence
from graph.households.evidence import MembershipEvidence, membership_evidence
from graph.households.ids import stable_ids
from graph.households.parting import left_households
from graph.households.shared_keys import evidence_table
from graph.households.v4_side import join_v4_sides
from graph.networks import PresenceTable
from graph.params import DEVICE_TYPES, HouseholdParams

__all__ = [
    "HouseholdRun",
    "Step",
    "as_table",
    "assign_households",
    "call_step",
    "household_rows",
    "run_households",
]


@dataclass(frozen=True)
class HouseholdRun:
    """Intermediate arrays of one run (device / network codes of ``table``)."""

    table: PresenceTable
    net_class: np.ndarray
    copresence: CoPresence
    labels: np.ndarray  # household label per device, negative = unassigned reason
    k: int
    evidence: MembershipEvidence
    params: HouseholdParams  # as the run applied them: its local time read from the data (graph.clock)
    # bool per device: joined without a window together (a DS-Lite home's IPv4 side, graph.households
    # .v4_side; a device seen alone in its household's lease, graph.households.attach)
    joined_alone: np.ndarray | None = None


def as_table(presence: PresenceTable | Iterable[Mapping[str, Any]]) -> PresenceTable:
    """Accept a :class:`PresenceTable` or presence row dicts."""
    return presence if isinstance(presence, PresenceTable) else PresenceTable.from_rows(presence)


#: How :func:`run_households` calls each named step: ``step(name, fn, *args, **kwargs)``
#: (``bench/households_core.py`` times and measures them).
Step = Callable[..., Any]


def call_step(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The default :data:`Step`: ``fn(*args, **kwargs)``.

    >>> call_step("sum", sum, [1, 2])
    3
    """
    return fn(*args, **kwargs)


def run_households(
    presence: PresenceTable | Iterable[Mapping[str, Any]],
    params: HouseholdParams | None = None,
    *,
    seed: int = 0,
    partition: Partitioner = louvain_partition,
    previous: Mapping[str, str] | None = None,
    step: Step = call_step,
) -> HouseholdRun:
    """Classify networks, count co-presence, cluster and score (arrays only, no ids yet).

    ``previous`` (``device_key -> stored household id``, live mode) warm-starts the Louvain
    splits of large components from the stored households when ``params.warm_start``: a few
    more minutes of data then re-cut nothing they give no evidence for. Without it (or with
    no stored households) the run is the cold run the Spark engine reproduces. ``step`` calls
    each named step (:data:`Step`).
    """
    t = as_table(presence)
    p = step("local_time", localized, params or HouseholdParams(), t)  # the viewers' local time
    t, net_class, shared = step("networks", evidence_table, t, p)  # keys that are many devices: no evidence
    cp = step("copresence", copresence, t, net_class, p)
    init = None
    if previous and p.warm_start:
        init = [previous.get(d) for d in t.device_keys.tolist()]
    fixed = step("fixed_rows", fixed_rows, t, net_class, p)
    labels, k = step(
        "cluster", cluster_devices, cp, p, seed=seed, partition=partition, init=init, fixed=fixed
    )
    labels[shared] = SHARED_KEY
    labels, in_lease = step("attach", attach_short_histories, t, cp, labels, p, net_class)
    labels, v4_side = step("v4_sides", join_v4_sides, t, net_class, labels, p)
    labels[step("parting", left_households, t, net_class, labels, p)] = LEFT_HOUSEHOLD
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    ev = step("evidence", membership_evidence, t, cp, labels, k, p, joined=in_lease | v4_side)
    return HouseholdRun(t, net_class, cp, labels, k, ev, p, in_lease | v4_side)


def household_rows(
    run: HouseholdRun,
    previous: Mapping[str, str] | None = None,
    params: HouseholdParams | None = None,
    ids: list[dict] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Turn a run into JSON-serialisable rows with stable ids; see :func:`assign_households`.
    ``ids`` (per label, as :func:`stable_ids` makes them) skips the matching: an incremental
    run held to the stored households knows its ids."""
    p = params or HouseholdParams()
    t, labels, ev, cp = run.table, run.labels, run.evidence, run.copresence
    keys = t.device_keys
    nkeys = t.network_keys
    assigned = np.flatnonzero(labels >= 0)
    order = assigned[np.argsort(labels[assigned], kind="stable")]
    bounds = np.searchsorted(labels[order], np.arange(run.k + 1))
    clusters = [keys[order[bounds[i] : bounds[i + 1]]].tolist() for i in range(run.k)]
    ids = ids if ids is not None else stable_ids(clusters, previous, p)
    hid = [x["household_id"] for x in ids]
    memberships = []
    for d in assigned.tolist():
        lab = int(labels[d])
        memberships.append(
            {
                "device": keys[d],
                "household_id": hid[lab],
                "confidence": float(ev.confidence[d]),
                "evidence": {
                    "windows_together": int(ev.windows_together[d]),
                    "nights_together": int(ev.nights_together[d]),
                    "days_together": int(ev.windows_together[d] - ev.nights_together[d]),
                    "copresent_hours": int(ev.copresent_hours[d]),
                    "home_windows": int(cp.home_windows[d]),
                    "home_nights": int(cp.home_nights[d]),
                    "home_networks": [nkeys[x] for x in ev.device_networks[d]],
                    "anchor_device": keys[ev.anchor[lab]],
                },
            }
        )
    memberships.sort(key=lambda r: r["device"])
    households = []
    for lab, members in enumerate(clusters):
        codes = order[bounds[lab] : bounds[lab + 1]]
        types = Counter(DEVICE_TYPES[x] if x >= 0 else "unknown" for x in t.device_type[codes].tolist())
        households.append(
            {
                "household_id": hid[lab],
                "size": len(members),
                "devices": members,
                "anchor_device": keys[ev.anchor[lab]],
                "device_types": dict(sorted(types.items())),
                "home_networks": [nkeys[x] for x in ev.household_networks[lab]],
                "confidence": round(float(ev.confidence[codes].mean()), 3),
                "lineage": ids[lab]["lineage"],
                "previous": ids[lab]["previous"],
            }
        )
    households.sort(key=lambda r: r["household_id"])
    unassigned = [
        {
            "device": keys[d],
            "reason": UNASSIGNED_REASONS[-int(labels[d]) - 1],
            "home_windows": int(cp.home_windows[d]),
        }
        for d in np.flatnonzero(labels < 0).tolist()
    ]
    return {"memberships": memberships, "households": households, "unassigned": unassigned}


def assign_households(
    presence: PresenceTable | Iterable[Mapping[str, Any]],
    params: HouseholdParams | None = None,
    *,
    previous: Mapping[str, str] | None = None,
    seed: int = 0,
    partition: Partitioner = louvain_partition,
) -> dict[str, list[dict[str, Any]]]:
    """Households from presence rows.

    Parameters
    ----------
    presence : iterable of dict or PresenceTable
        Presence rows ``device, device_type, network, family, hour`` (epoch ms), ``events``.
    params : HouseholdParams, optional
    previous : dict, optional
        ``device_key -> household_id`` of the last run, for stable ids.
    seed : int
        Seed of the community detection.
    partition : Partitioner
        Community detection backend for components that need splitting.

    Returns
    -------
    dict
        ``memberships``: ``{device, household_id, confidence, evidence}`` sorted by device;
        ``households``: ``{household_id, size, devices, anchor_device, device_types,
        home_networks, confidence, lineage, previous}`` sorted by id;
        ``unassigned``: ``{device, reason, home_windows}``.

    Examples
    --------
    >>> H = 3_600_000
    >>> rows = [{"device": d, "device_type": t, "network": "n1", "family": 4,
    ...          "hour": (19 + 24 * day) * H, "events": 1}
    ...         for d, t in [("tv1", "tv"), ("ph1", "phone")] for day in range(5)]
    >>> out = assign_households(rows)
    >>> [(m["device"], m["evidence"]["anchor_device"]) for m in out["memberships"]]
    [('ph1', 'tv1'), ('tv1', 'tv1')]
    >>> len({m["household_id"] for m in out["memberships"]})
    1
    """
    p = params or HouseholdParams()
    run = run_households(presence, p, seed=seed, partition=partition)
    return household_rows(run, previous, p)
