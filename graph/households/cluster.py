"""Devices into households: components first, Louvain only where a component needs splitting.

Modularity on a whole graph of many small homes merges them (resolution limit), and is slow;
connected components of the thresholded co-presence graph are mostly households already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graph.clustering import Partitioner, keep_stored_cut, louvain_partition, split_graph
from graph.households.apart import FixedRows, apart_pairs, separate
from graph.households.copresence import CoPresence
from graph.params import HouseholdParams

__all__ = [
    "ALONE_WITH_LITTLE_EVIDENCE",
    "LEFT_HOUSEHOLD",
    "NO_HOME_NETWORK",
    "SHARED_KEY",
    "TOO_FEW_HOME_WINDOWS",
    "UNASSIGNED_REASONS",
    "cluster_devices",
    "edge_mask",
    "split_households",
]

#: Codes of ``reason`` for unassigned devices (index = -code - 1 in the label array).
UNASSIGNED_REASONS = (
    "no_home_network",
    "too_few_home_windows",
    "alone_with_little_evidence",
    "shared_key",
    "left_household",
)
#: the label of a device never on a home network, and of a key that is many devices
#: (graph.households.shared_keys)
NO_HOME_NETWORK = -1 - UNASSIGNED_REASONS.index("no_home_network")
TOO_FEW_HOME_WINDOWS = -1 - UNASSIGNED_REASONS.index("too_few_home_windows")
ALONE_WITH_LITTLE_EVIDENCE = -1 - UNASSIGNED_REASONS.index("alone_with_little_evidence")
SHARED_KEY = -1 - UNASSIGNED_REASONS.index("shared_key")
#: the label of a device whose last days were at a home of its own (graph.households.parting)
LEFT_HOUSEHOLD = -1 - UNASSIGNED_REASONS.index("left_household")


def edge_mask(cp: CoPresence, p: HouseholdParams) -> np.ndarray:
    """Pairs strong enough to be a household tie (both devices eligible, often enough together)."""
    eligible = cp.home_windows >= p.min_home_windows
    return (cp.together >= p.min_together) & (cp.fraction >= p.min_fraction) & eligible[cp.a] & eligible[cp.b]


def split_households(
    G: nx.Graph,
    size: int,
    p: HouseholdParams,
    seed: int,
    partition: Partitioner,
    init: Sequence[str | None] | Mapping[int, str | None] | None = None,
    apart: Sequence[tuple[int, int]] = (),
) -> list[list[int]]:
    """Households of one component ``G`` (``size`` devices) that needs splitting: Louvain's split
    (:func:`graph.clustering.split_graph`); in live mode (``init``: the stored household per device
    code, and ``p.warm_start``) the stored cut unless the data hold a clearly better one
    (:func:`graph.clustering.keep_stored_cut`); a small component whose split is unclear stays whole
    (a sparse home: devices used at different times); a household holding screens that were
    ``apart`` is cut between them (:func:`graph.households.apart.separate`). The Spark engine splits
    through here too.

    >>> G = nx.Graph([(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)])
    >>> split_households(G, 6, HouseholdParams(max_household_size=3), 0, louvain_partition)
    [[0, 1, 2], [3, 4, 5]]
    """
    parts = split_graph(
        G,
        max_size=p.max_household_size,
        resolution=p.resolution,
        step=p.resolution_step,
        depth=p.max_split_depth,
        seed=seed,
        partition=partition,
        starts=p.louvain_starts,
        max_cut_ratio=p.max_cut_ratio,
    )
    if init is not None and p.warm_start:
        stored = init.get if isinstance(init, Mapping) else init.__getitem__
        parts = keep_stored_cut(
            G,
            parts,
            {x: stored(x) for x in G.nodes},
            max_size=p.max_household_size,
            resolution=p.resolution,
            seed=seed,
            slack=p.warm_slack,
            max_cut_ratio=p.max_cut_ratio,
        )
    if (
        size <= p.max_household_size
        and len(parts) > 1
        and nx.community.modularity(G, parts, weight="weight") < p.min_split_modularity
    ):
        parts = [sorted(G.nodes)]  # a sparse home (devices used at different times), not two
    return separate(G, parts, apart) if len(apart) else parts


def cluster_devices(
    cp: CoPresence,
    p: HouseholdParams,
    *,
    seed: int = 0,
    partition: Partitioner = louvain_partition,
    init: Sequence[str | None] | None = None,
    fixed: FixedRows | None = None,
) -> tuple[np.ndarray, int]:
    """Household label per device code (0..k-1), or a negative reason code; and k.

    Negative labels ``-1, -2, -3`` index ``UNASSIGNED_REASONS``. ``init``: the stored household
    id per device code (``None``: none), to warm-start the splits of large components from
    (:func:`graph.clustering.split_graph`); components are what the data make them either way.
    ``fixed``: where the screens that never leave home were (:func:`graph.households.apart
    .fixed_rows`); a component holding two that were apart is split between them.
    """
    n = len(cp.home_windows)
    m = edge_mask(cp, p)
    a, b, w = cp.a[m].astype(np.int64), cp.b[m].astype(np.int64), cp.weight[m]
    g = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n)).tocsr()
    _, comp = connected_components(g, directed=False)
    size = np.bincount(comp, minlength=n)
    edges = np.bincount(comp[a], minlength=n)
    dens = 2.0 * edges / np.maximum(size * (size - 1), 1)
    labels = comp.astype(np.int64)
    alone = size[comp] == 1
    split = (size > p.max_household_size) | ((size > 2) & (dens < p.min_density))
    xa, xb = apart_pairs(fixed, comp, p) if fixed is not None else (np.zeros(0, np.int64),) * 2
    split[comp[xa]] = True
    xorder = np.argsort(comp[xa], kind="stable")
    xa, xb = xa[xorder], xb[xorder]
    xc = comp[xa]
    next_label = n
    todo = np.flatnonzero(split)
    if len(todo):
        esel = split[comp[a]]
        ea, eb, ew = a[esel], b[esel], w[esel]
        order = np.argsort(comp[ea], kind="stable")
        ea, eb, ew = ea[order], eb[order], ew[order]
        ec = comp[ea]
        bounds = np.searchsorted(ec, todo), np.searchsorted(ec, todo, side="right")
        for c, lo, hi in zip(todo, *bounds):
            G = nx.Graph()
            G.add_weighted_edges_from(zip(ea[lo:hi].tolist(), eb[lo:hi].tolist(), ew[lo:hi].tolist()))
            x0, x1 = np.searchsorted(xc, c), np.searchsorted(xc, c, side="right")
            apart = list(zip(xa[x0:x1].tolist(), xb[x0:x1].tolist()))
            parts = split_households(G, int(size[c]), p, seed, partition, init, apart)
            for members in parts:
                idx = np.asarray(members, dtype=np.int64)
                labels[idx] = next_label
                next_label += 1
                if len(idx) == 1:
                    alone[idx] = True
    hw = cp.home_windows
    labels[alone & (hw < p.singleton_min_windows)] = ALONE_WITH_LITTLE_EVIDENCE
    labels[hw < p.min_home_windows] = TOO_FEW_HOME_WINDOWS
    labels[hw == 0] = NO_HOME_NETWORK
    pos = labels >= 0
    present = np.zeros(int(labels.max()) + 1 if pos.any() else 1, dtype=bool)
    present[labels[pos]] = True
    remap = np.cumsum(present) - 1
    labels[pos] = remap[labels[pos]]
    return labels, int(present.sum())
