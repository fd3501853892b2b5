"""Stable household ids across runs, by greedy one-to-one matching on member overlap.

A new cluster inherits the id of the previous household it overlaps most, when that
overlap is most of the cluster or most of the old household (contract §4: an id survives while
most of its devices stay together). Pairs are
matched greedily by overlap, largest first, each id at most once. Other clusters get a
deterministic id from their sorted member keys.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence

from graph.params import HouseholdParams

__all__ = ["describe_ids", "new_household_id", "stable_ids"]


def new_household_id(members: Sequence[str]) -> str:
    """Deterministic id of a household first seen with these members.

    >>> new_household_id(["b", "a"]) == new_household_id(["a", "b"])
    True
    >>> new_household_id(["a"])[:3]
    'hh-'
    """
    digest = hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()
    return "hh-" + digest[:16]


def stable_ids(
    clusters: Sequence[Sequence[str]], previous: Mapping[str, str] | None, p: HouseholdParams | None = None
) -> list[dict]:
    """Id and lineage of each cluster (same order as ``clusters``).

    Returns
    -------
    list of dict
        ``{"household_id": str, "lineage": "new"|"same"|"merged"|"split"|"moved",
        "previous": [{"household_id": str, "devices": int}, ...]}`` (previous households
        that gave devices, largest first).

    Examples
    --------
    >>> out = stable_ids([["a", "b", "c"], ["d"]], {"a": "H1", "b": "H1", "d": "H1"})
    >>> [(o["household_id"], o["lineage"]) for o in out]
    [('H1', 'moved'), ('hh-18ac3e7343f01689', 'moved')]
    """
    p = p or HouseholdParams()
    previous = previous or {}
    overlap: Counter[tuple[int, str]] = Counter()
    old_size: Counter[str] = Counter(previous.values())
    for c, members in enumerate(clusters):
        for d in members:
            o = previous.get(d)
            if o is not None:
                overlap[c, o] += 1
    matched: dict[int, str] = {}
    taken: set[str] = set()
    for (c, o), k in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1])):
        if c in matched or o in taken:
            continue
        if k > p.inherit_share * len(clusters[c]) or k > p.inherit_share * old_size[o]:
            matched[c] = o
            taken.add(o)
    used = set(taken) | set(previous.values())
    hids = []
    for c, members in enumerate(clusters):
        o = matched.get(c)
        if o is None:
            hid = new_household_id(members)
            base, i = hid, 2
            while hid in used:
                hid, i = f"{base}-{i}", i + 1
        else:
            hid = o
        used.add(hid)
        hids.append(hid)
    return describe_ids(clusters, hids, previous, p)


def describe_ids(
    clusters: Sequence[Sequence[str]],
    hids: Sequence[str],
    previous: Mapping[str, str] | None,
    p: HouseholdParams | None = None,
) -> list[dict]:
    """Lineage and previous households of clusters whose ids are chosen (``hids``, one per cluster):
    a cluster inherits when its id is a previous household's id. See :func:`stable_ids`.

    >>> out = describe_ids([["a", "b"], ["c"]], ["H1", "hh-x"], {"a": "H1", "b": "H1", "c": "H1"})
    >>> [(o["household_id"], o["lineage"]) for o in out]
    [('H1', 'moved'), ('hh-x', 'moved')]
    """
    p = p or HouseholdParams()
    previous = previous or {}
    old_size: Counter[str] = Counter(previous.values())
    by_cluster: dict[int, list[tuple[str, int]]] = {}
    by_old: dict[str, list[tuple[int, int]]] = {}
    for c, members in enumerate(clusters):
        for o, k in Counter(previous[d] for d in members if d in previous).items():
            by_cluster.setdefault(c, []).append((o, k))
            by_old.setdefault(o, []).append((c, k))
    out = []
    for c, members in enumerate(clusters):
        prev = sorted(by_cluster.get(c, []), key=lambda ok: (-ok[1], ok[0]))
        o = hids[c] if hids[c] in old_size else None
        out.append(
            {
                "household_id": hids[c],
                "lineage": _lineage(c, o, prev, by_old, old_size, len(members), p),
                "previous": [{"household_id": h, "devices": k} for h, k in prev],
            }
        )
    return out


def _lineage(
    c: int,
    o: str | None,
    prev: list[tuple[str, int]],
    by_old: dict[str, list[tuple[int, int]]],
    old_size: Counter[str],
    size: int,
    p: HouseholdParams,
) -> str:
    """Why the cluster has its id: see :func:`stable_ids`.

    merged: another old household came along as a group (most of it, or a large share of the
    cluster, and more than one device unless it was a one-device household); split: a group of
    the main old household's devices is in another cluster now; moved: single devices came or
    went; same: only never-assigned devices joined (or devices dropped out of the data).
    """
    if not prev:
        return "new"
    others = [(h, k) for h, k in prev if h != o]

    def group(k: int, h: str, of: int) -> bool:
        return (k >= 2 or old_size[h] == 1) and k >= p.merge_share * of

    if o is not None and any(group(k, h, min(old_size[h], size)) for h, k in others):
        return "merged"
    main, main_k = (o, dict(prev)[o]) if o is not None else prev[0]
    elsewhere = [k for c2, k in by_old[main] if c2 != c]
    if o is None:
        return "split" if main_k >= 2 else "moved"
    if any(k >= 2 and k >= p.merge_share * old_size[main] for k in elsewhere):
        return "split"
    if others or elsewhere:
        return "moved"
    return "same"
