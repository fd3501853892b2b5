"""Incremental runs held to the stored households: devices move only on clearly better evidence.

An incremental run sees a slice of the data (devices active since the last run and their
neighbours), so its clusters wobble: a household cut in two by the slice, a thin evening
that joins two homes. Only a full run may split or merge households. An incremental run:

* keeps every previously assigned device in its household, unless the run puts it with
  another stored household whose co-presence weight with it beats the old household's by
  ``move_margin`` (times, and by at least ``move_min_weight``), with all its housemates in
  the slice to compare with;
* puts a new device into the stored household that most of its cluster's known devices
  belong to, or into a new household when its cluster has no known device;
* never unassigns a known device (the slice may just lack its evidence).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from graph.households.core import HouseholdRun
from graph.households.evidence import membership_evidence
from graph.households.ids import new_household_id
from graph.params import HouseholdParams

__all__ = ["settle_labels", "settle_run"]


def _weight_to(cp, n: int, group: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per device ``d``: summed pair weight to devices ``x`` with ``group[x] == target[d] >= 0``."""
    w = np.zeros(n)
    for u, v in ((cp.a, cp.b), (cp.b, cp.a)):
        hit = (target[u] >= 0) & (group[v] == target[u])
        np.add.at(w, u[hit], cp.weight[hit])
    return w


def settle_labels(run: HouseholdRun, previous: Mapping[str, str], p: HouseholdParams) -> np.ndarray:
    """Household label per device code after holding the run to ``previous``.

    Labels ``0..m-1`` are the stored households (sorted ids) present in the run, ``m..`` new
    households; negative labels are the run's unassigned reasons (new devices only).

    Examples
    --------
    >>> from graph.households.core import run_households
    >>> H = 3_600_000
    >>> rows = [{"device": d, "device_type": "tv", "network": "n", "family": 4,
    ...          "hour": (19 + 24 * day) * H, "events": 1} for d in ("a", "b", "c") for day in range(5)]
    >>> run = run_households(rows)
    >>> settle_labels(run, {"a": "H1", "b": "H2"}, HouseholdParams()).tolist()  # no merge; c joins H1
    [0, 1, 0]
    >>> settle_labels(run, {"a": "H1", "b": "H2", "c": "H2"}, HouseholdParams()).tolist()
    [0, 1, 1]
    """
    keys = run.table.device_keys
    n = len(keys)
    old_ids = sorted({previous[k] for k in keys.tolist() if k in previous})
    oc = {h: i for i, h in enumerate(old_ids)}
    m = len(old_ids)
    old = np.array([oc.get(previous.get(k), -1) for k in keys.tolist()], dtype=np.int64)
    lab = run.labels
    # per run cluster: the stored household most of its known devices belong to
    k = max(run.k, 1)
    major = np.full(k, -1, dtype=np.int64)
    known = (lab >= 0) & (old >= 0)
    if known.any():
        cl, cnt = np.unique(lab[known] * (m + 1) + old[known], return_counts=True)
        order = np.lexsort((cl % (m + 1), -cnt, cl // (m + 1)))
        first = np.r_[True, (cl[order][1:] // (m + 1)) != (cl[order][:-1] // (m + 1))]
        major[cl[order][first] // (m + 1)] = cl[order][first] % (m + 1)
    proposed = np.where(lab >= 0, major[np.maximum(lab, 0)], -1)
    out = np.where(old >= 0, old, np.where(lab >= 0, np.where(proposed >= 0, proposed, m + lab), lab))
    # a known device the run puts with another stored household moves only on clearly more evidence
    # (and only when all its housemates are in the slice to compare with: else the slice lacks them)
    sizes = Counter(previous.values())
    whole = np.array([sizes[h] for h in old_ids], dtype=np.int64)
    mates = np.bincount(old[old >= 0], minlength=m)
    full = (mates >= 2) & (mates == whole) if m else np.zeros(0, dtype=bool)
    cand = (old >= 0) & (proposed >= 0) & (proposed != old)
    cand &= np.r_[full, False][np.where(old >= 0, old, m)]
    if cand.any():
        w_new = _weight_to(run.copresence, n, old, np.where(cand, proposed, -1))
        w_old = _weight_to(run.copresence, n, old, np.where(cand, old, -1))
        move = cand & (w_new >= p.move_min_weight) & (w_new > p.move_margin * w_old)
        out[move] = proposed[move]
    return out


def settle_run(
    run: HouseholdRun, previous: Mapping[str, str], p: HouseholdParams
) -> tuple[HouseholdRun, list[dict]]:
    """The run with :func:`settle_labels` (compacted) and its evidence recomputed, and the id and
    lineage of each label (for :func:`graph.households.household_rows`): a stored household keeps
    its id ("same", or "moved" when a device joined or came over), a new one gets a fresh id."""
    lab = settle_labels(run, previous, p)
    keys = run.table.device_keys
    old_ids = sorted({previous[k] for k in keys.tolist() if k in previous})
    pos = lab >= 0
    uniq, inv = np.unique(lab[pos], return_inverse=True)
    labels = lab.copy()
    labels[pos] = inv
    k = len(uniq)
    ev = membership_evidence(run.table, run.copresence, labels, k, p, joined=run.joined_alone)
    members: list[list[str]] = [[] for _ in range(k)]
    for d, lb in zip(keys.tolist(), labels.tolist()):
        if lb >= 0:
            members[lb].append(d)
    used = set(previous.values())
    ids = []
    for i, u in enumerate(uniq.tolist()):
        came = Counter(previous[d] for d in members[i] if d in previous)
        if u < len(old_ids):
            hid = old_ids[u]
            lineage = "same" if set(came) == {hid} and came[hid] == len(members[i]) else "moved"
        else:
            hid = base = new_household_id(members[i])
            j = 2
            while hid in used:
                hid, j = f"{base}-{j}", j + 1
            lineage = "new"
        used.add(hid)
        prev = sorted(came.items(), key=lambda kv: (-kv[1], kv[0]))
        ids.append(
            {
                "household_id": hid,
                "lineage": lineage,
                "previous": [{"household_id": h, "devices": c} for h, c in prev],
            }
        )
    return replace(run, labels=labels, k=k, evidence=ev), ids
