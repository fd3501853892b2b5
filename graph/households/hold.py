"""Full runs in live mode held to the stored households: a move needs a second full run's word.

A full run clusters every device from scratch (:func:`graph.households.run_households`, the
result the Spark engine reproduces); a few more minutes of data can flip a borderline device
or cut a sparse home in two, and the next run may flip it back. When there are stored
households, the id-carrying step does not follow such a flip at once. A known device leaves its
stored household (a move, or its part of a split or merge, or becoming unassigned) only when

* ``full_run_confirmations`` full runs in a row, the first at least ``full_run_confirm_hours``
  before this one, propose the same move (the proposal is kept as ``pending`` between runs:
  ``{device: {"household": key, "runs": n, "since": epoch ms of the first}}``), or
* its co-presence weight with the proposed household beats the stored one's by
  ``full_run_move_margin`` (times, and at least ``move_min_weight``): clear evidence needs no
  second run.

New devices, and devices only incremental runs have placed so far (``provisional``: a slice
places them on little evidence), go where most known devices of their run cluster end up. A
real move is followed once full runs have proposed it for ``full_run_confirm_hours``; a flip
that the next run undoes is never shown, and neither is a re-cut of look-alike homes that the
next hours of data cut differently again (Louvain on a large component is sensitive to a few
edges).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import replace

import numpy as np

from graph.households.core import HouseholdRun
from graph.households.evidence import membership_evidence
from graph.households.ids import describe_ids, stable_ids
from graph.households.settle import _weight_to
from graph.params import HOUR_MS, HouseholdParams

__all__ = ["UNASSIGNED", "follow_known", "hold_full_run", "move_keys", "proposed_ids", "settle_moves"]

#: Pending key of a proposal to leave every household.
UNASSIGNED = "unassigned"


def proposed_ids(run: HouseholdRun, previous: Mapping[str, str], p: HouseholdParams) -> list[str | None]:
    """Household id the run proposes per device code (``None``: unassigned), ids carried by
    :func:`graph.households.ids.stable_ids`.

    >>> from graph.households.core import run_households
    >>> H = 3_600_000
    >>> rows = [{"device": d, "device_type": "tv", "network": "n", "family": 4,
    ...          "hour": (19 + 24 * day) * H, "events": 1} for d in ("a", "b") for day in range(5)]
    >>> proposed_ids(run_households(rows), {"a": "H1"}, HouseholdParams())
    ['H1', 'H1']
    """
    keys = run.table.device_keys.tolist()
    clusters: list[list[str]] = [[] for _ in range(run.k)]
    for d, lab in zip(keys, run.labels.tolist()):
        if lab >= 0:
            clusters[lab].append(d)
    hid = [x["household_id"] for x in stable_ids(clusters, previous, p)]
    return [hid[lab] if lab >= 0 else None for lab in run.labels.tolist()]


def move_keys(
    keys: list[str], proposed: list[str | None], previous: Mapping[str, str], labels: np.ndarray
) -> list[str | None]:
    """What each known device would move to (``None``: no move, or a new device): a stored
    household's id, :data:`UNASSIGNED`, or ``"new:"`` and the smallest known device of the
    run's new cluster (its hashed id changes as new devices join; its known devices do not).

    >>> stored = {"a": "H1", "b": "H2", "c": "H1", "d": "H1"}
    >>> move_keys(["a", "b", "c", "d"], ["H1", "H1", "hh-9", None], stored, np.array([0, 0, 1, -2]))
    [None, 'H1', 'new:c', 'unassigned']
    """
    stored = set(previous.values())
    first: dict[int, str] = {}
    for d, lab in zip(keys, labels.tolist()):
        if lab >= 0 and d in previous and (lab not in first or d < first[lab]):
            first[lab] = d
    out: list[str | None] = []
    for d, hid, lab in zip(keys, proposed, labels.tolist()):
        old = previous.get(d)
        if old is None or hid == old:
            out.append(None)
        elif hid is None:
            out.append(UNASSIGNED)
        else:
            out.append(hid if hid in stored else f"new:{first[lab]}")
    return out


def settle_moves(
    keys: list[str],
    want: list[str | None],
    pending: Mapping[str, Mapping],
    clear: np.ndarray,
    p: HouseholdParams,
    now_ms: int,
) -> tuple[np.ndarray, dict[str, dict]]:
    """Which proposed moves happen (bool per device) and the pending proposals after this run.
    A move happens when ``clear`` (margin met) or this is at least the ``full_run_confirmations``-th
    run in a row proposing it and the first was ``full_run_confirm_hours`` ago; else it is pending.

    >>> H = 3_600_000
    >>> pend = {"b": {"household": "H1", "runs": 1, "since": 0}, "c": {"household": "H3", "runs": 1}}
    >>> go, new = settle_moves(["a", "b", "c", "d"], [None, "H1", "H1", "H2"], pend,
    ...                        np.array([False, False, False, True]), HouseholdParams(), 6 * H)
    >>> go.tolist(), new
    ([False, True, False, True], {'c': {'household': 'H1', 'runs': 1, 'since': 21600000}})
    >>> settle_moves(["b"], ["H1"], pend, np.array([False]), HouseholdParams(), 5 * H)[1]  # too soon
    {'b': {'household': 'H1', 'runs': 2, 'since': 0}}
    """
    go = np.zeros(len(keys), dtype=bool)
    after: dict[str, dict] = {}
    for i, (d, key) in enumerate(zip(keys, want)):
        if key is None:
            continue
        before = pending.get(d) or {}
        again = before.get("household") == key and before.get("since") is not None
        runs = int(before.get("runs") or 0) + 1 if again else 1
        since = int(before["since"]) if again else now_ms
        enough = runs >= p.full_run_confirmations and now_ms - since >= p.full_run_confirm_hours * HOUR_MS
        if clear[i] or enough:
            go[i] = True
        else:
            after[d] = {"household": key, "runs": runs, "since": since}
    return go, after


def follow_known(
    keys: list[str], final: list[str | None], previous: Mapping[str, str], labels: np.ndarray
) -> list[str | None]:
    """New devices join the household most of their run cluster's known devices end up in (a
    held cluster keeps its new devices with it), or keep the run's proposal when it has none.

    >>> follow_known(["a", "b", "x", "y"], ["H1", "H1", "hh-new", "hh-2"], {"a": "H1", "b": "H1"},
    ...              np.array([0, 0, 0, 1]))
    ['H1', 'H1', 'H1', 'hh-2']
    """
    votes: dict[int, Counter[str]] = {}
    for d, h, lab in zip(keys, final, labels.tolist()):
        if d in previous and h is not None and lab >= 0:
            votes.setdefault(lab, Counter())[h] += 1
    out = list(final)
    for i, (d, lab) in enumerate(zip(keys, labels.tolist())):
        if d not in previous and lab in votes:
            out[i] = min(votes[lab].items(), key=lambda hk: (-hk[1], hk[0]))[0]
    return out


def hold_full_run(
    run: HouseholdRun,
    previous: Mapping[str, str],
    pending: Mapping[str, Mapping] | None,
    p: HouseholdParams,
    now_ms: int,
    provisional: Collection[str] = frozenset(),
) -> tuple[HouseholdRun, list[dict], dict[str, dict]]:
    """A full run held to the stored households (see the module): the run with the held labels
    and their evidence, the id and lineage of each label (for
    :func:`graph.households.household_rows`), and the pending proposals to store. ``now_ms``:
    the time of this run (epoch ms), for ``full_run_confirm_hours``. ``provisional``: devices
    that only incremental runs have placed (held like new devices: not at all).

    Examples
    --------
    >>> from graph.households.core import run_households
    >>> H = 3_600_000
    >>> rows = [{"device": d, "device_type": "tv", "network": "n", "family": 4,
    ...          "hour": (19 + 24 * day) * H, "events": 1} for d in "abcd" for day in range(5)]
    >>> run = run_households(rows)  # one home; stored as two: the merge waits for a second run
    >>> stored = {"a": "H1", "b": "H1", "c": "H2", "d": "H2"}
    >>> held, ids, pend = hold_full_run(run, stored, {}, HouseholdParams(), now_ms=0)
    >>> [ids[x]["household_id"] for x in held.labels.tolist()], pend["c"]
    (['H1', 'H1', 'H2', 'H2'], {'household': 'H1', 'runs': 1, 'since': 0})
    >>> held, ids, pend = hold_full_run(run, stored, pend, HouseholdParams(), now_ms=6 * H)
    >>> [ids[x]["household_id"] for x in held.labels.tolist()], pend, ids[0]["lineage"]
    (['H1', 'H1', 'H1', 'H1'], {}, 'merged')
    """
    keys = run.table.device_keys.tolist()
    n = len(keys)
    proposed = proposed_ids(run, previous, p)
    # devices only incremental runs have placed had no full run's word yet: they go where it says
    known = {d: h for d, h in previous.items() if d not in provisional}
    want = move_keys(keys, proposed, known, run.labels)
    old_ids = sorted({known[d] for d in keys if d in known})
    oc = {h: i for i, h in enumerate(old_ids)}
    old = np.array([oc.get(known.get(d), -1) for d in keys], dtype=np.int64)
    moving = np.array([w is not None and w != UNASSIGNED for w in want], dtype=bool)
    # evidence for the proposed household: weight to its members that do not come from the same
    # stored household (in a merge, the device's own housemates come along and prove nothing)
    both = np.where(run.labels >= 0, run.labels * (len(old_ids) + 1) + old + 1, -1)
    w_new = _weight_to(run.copresence, n, run.labels, np.where(moving, run.labels, -1))
    w_new -= _weight_to(run.copresence, n, both, np.where(moving & (old >= 0), both, -1))
    w_old = _weight_to(run.copresence, n, old, np.where(moving, old, -1))
    clear = moving & (w_new >= p.move_min_weight) & (w_new > p.full_run_move_margin * w_old)
    go, after = settle_moves(keys, want, pending or {}, clear, p, now_ms)
    final = [proposed[i] if (want[i] is None or go[i]) else known[d] for i, d in enumerate(keys)]
    final = follow_known(keys, final, known, run.labels)
    hids = sorted({h for h in final if h is not None})
    hc = {h: i for i, h in enumerate(hids)}
    labels = np.array([hc[h] if h is not None else -1 for h in final], dtype=np.int64)
    labels = np.where(labels >= 0, labels, np.minimum(run.labels, -1))
    k = len(hids)
    ev = membership_evidence(run.table, run.copresence, labels, k, p, joined=run.joined_alone)
    clusters: list[list[str]] = [[] for _ in range(k)]
    for d, lab in zip(keys, labels.tolist()):
        if lab >= 0:
            clusters[lab].append(d)
    ids = describe_ids(clusters, hids, previous, p)
    return replace(run, labels=labels, k=k, evidence=ev), ids, after
