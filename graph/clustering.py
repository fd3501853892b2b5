"""Community detection behind one small interface, so a faster backend can be plugged in.

A partitioner is any callable ``partition(G, resolution, seed) -> {node: community}``
on a weighted networkx graph (edge attribute ``weight``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Protocol

import networkx as nx

__all__ = [
    "Partitioner",
    "cut_ratio",
    "init_communities",
    "keep_stored_cut",
    "louvain_partition",
    "networkx_louvain_partition",
    "place_new_nodes",
    "refine_partition",
    "split_graph",
]


class Partitioner(Protocol):
    """``partition(G, resolution, seed) -> {node: community id}``; deterministic for a seed."""

    def __call__(self, G: nx.Graph, resolution: float, seed: int) -> dict[Hashable, int]: ...


def louvain_partition(G: nx.Graph, resolution: float, seed: int) -> dict[Hashable, int]:
    """python-louvain's ``best_partition`` (the default backend).

    >>> G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)])
    >>> p = louvain_partition(G, 1.0, 0)
    >>> p[0] == p[1] == p[2] != p[3] == p[4] == p[5]
    True
    """
    import community as community_louvain  # python-louvain

    return community_louvain.best_partition(G, weight="weight", resolution=resolution, random_state=seed)


def networkx_louvain_partition(G: nx.Graph, resolution: float, seed: int) -> dict[Hashable, int]:
    """networkx's own Louvain, as an alternative backend and a test oracle."""
    comms = nx.community.louvain_communities(G, weight="weight", resolution=resolution, seed=seed)
    return {n: i for i, c in enumerate(sorted(comms, key=lambda c: min(c))) for n in c}


def _best_of(
    G: nx.Graph, resolution: float, seed: int, starts: int, partition: Partitioner
) -> dict[Hashable, int]:
    """Highest-modularity partition over seeds ``seed .. seed + starts - 1`` (first wins ties)."""
    best, best_q = None, float("-inf")
    for s in range(seed, seed + max(starts, 1)):
        part = partition(G, resolution, s)
        groups: dict[int, set] = {}
        for node, c in part.items():
            groups.setdefault(c, set()).add(node)
        q = nx.community.modularity(G, groups.values(), weight="weight", resolution=resolution)
        if q > best_q:
            best, best_q = part, q
    return best


def cut_ratio(G: nx.Graph, groups: list[list[Hashable]]) -> float:
    """Density of the edges between ``groups`` relative to the density inside them (0 = clean cut).

    Unweighted; a singleton counts as fully dense inside. Unlike modularity it does not fall
    with unequal group sizes, so a clean cut between a big home and a small one scores 0.

    >>> K = nx.complete_graph(4); K.add_edges_from([(4, 5), (3, 4)])
    >>> cut_ratio(K, [[0, 1, 2, 3], [4, 5]])
    0.125
    >>> cut_ratio(nx.complete_graph(4), [[0, 1], [2, 3]])  # a clique cut in two
    1.0
    """
    where = {n: i for i, g in enumerate(groups) for n in g}
    inside = sum(1 for u, v in G.edges if where[u] == where[v])
    cross = G.number_of_edges() - inside
    sizes = [len(g) for g in groups]
    pairs_in = sum(s * (s - 1) // 2 for s in sizes)
    total = len(where) * (len(where) - 1) // 2
    dens_in = inside / pairs_in if pairs_in else 1.0
    dens_cross = cross / (total - pairs_in) if total > pairs_in else 0.0
    return dens_cross / dens_in if dens_in else 1.0


def split_graph(
    G: nx.Graph,
    *,
    max_size: int,
    resolution: float,
    step: float,
    depth: int,
    seed: int,
    partition: Partitioner = louvain_partition,
    starts: int = 3,
    max_cut_ratio: float | None = None,
) -> list[list[Hashable]]:
    """Split ``G`` into communities; communities still larger than ``max_size`` are split again
    at ``resolution * step`` (at most ``depth`` levels). Each level keeps the best of ``starts``
    seeded runs (Louvain is a heuristic). With ``max_cut_ratio``, a split whose
    :func:`cut_ratio` exceeds it is refused and ``G`` stays whole: a high resolution cuts even
    a clique apart, and a large home is one dense block, not several.
    Returns sorted member lists, sorted.

    >>> G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)])
    >>> split_graph(G, max_size=3, resolution=1.0, step=2.0, depth=2, seed=0)
    [[0, 1, 2], [3, 4, 5]]
    >>> K = nx.complete_graph(6); K.add_edge(5, 6)  # a home of six and a guest's phone
    >>> split_graph(K, max_size=3, resolution=1.0, step=4.0, depth=3, seed=0)  # the home cut to pieces
    [[0], [1], [2], [3], [4], [5, 6]]
    >>> split_graph(K, max_size=3, resolution=1.0, step=4.0, depth=3, seed=0, max_cut_ratio=0.5)
    [[0, 1, 2, 3, 4], [5, 6]]
    """
    if G.number_of_edges() == 0:
        return sorted([n] for n in G.nodes)
    part = _best_of(G, resolution, seed, starts, partition)
    groups: dict[int, list[Hashable]] = {}
    for node, c in part.items():
        groups.setdefault(c, []).append(node)
    if max_cut_ratio is not None and len(groups) > 1 and cut_ratio(G, list(groups.values())) > max_cut_ratio:
        return [sorted(G.nodes)]
    out: list[list[Hashable]] = []
    for members in groups.values():
        if len(members) > max_size and depth > 1 and len(members) < G.number_of_nodes():
            out.extend(
                split_graph(
                    G.subgraph(members).copy(),
                    max_size=max_size,
                    resolution=resolution * step,
                    step=step,
                    depth=depth - 1,
                    seed=seed,
                    partition=partition,
                    starts=starts,
                    max_cut_ratio=max_cut_ratio,
                )
            )
        else:
            out.append(sorted(members))
    return sorted(out)


def init_communities(G: nx.Graph, init: Mapping[Hashable, Hashable | None]) -> dict[Hashable, int]:
    """A starting partition from stored community names per node: names numbered in sorted
    order, nodes without one (new, or ``None``) each alone after them in node order. Depends
    only on the names, never on dict order (the Spark engine builds the same one).

    >>> G = nx.Graph([(3, 1), (1, 2), (2, 5)])
    >>> init_communities(G, {1: "hB", 2: "hA", 3: "hB", 5: None})
    {1: 1, 2: 0, 3: 1, 5: 2}
    """
    names = sorted({str(init[n]) for n in G.nodes if init.get(n) is not None})
    code = {h: i for i, h in enumerate(names)}
    out, nxt = {}, len(names)
    for n in sorted(G.nodes):
        h = init.get(n)
        if h is None:
            out[n], nxt = nxt, nxt + 1
        else:
            out[n] = code[str(h)]
    return out


def refine_partition(
    G: nx.Graph, init: Mapping[Hashable, Hashable | None], resolution: float, seed: int
) -> list[list[Hashable]]:
    """The stored groups (``init``: stored group name per node, see :func:`init_communities`)
    after one Louvain pass of single-node moves at ``resolution`` (python-louvain's first
    dendrogram level started from ``init``): new nodes join the neighbouring group they gain
    most modularity in, a stored node leaves only for a group it gains in; groups never merge
    whole. Sorted member lists, sorted.

    >>> G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3), (5, 6)])
    >>> refine_partition(G, {0: "a", 1: "a", 2: "b", 3: "b", 4: "b", 5: "b"}, 1.0, 0)
    [[0, 1, 2], [3, 4, 5, 6]]
    """
    import community as community_louvain  # python-louvain

    dendrogram = community_louvain.generate_dendrogram(
        G, part_init=init_communities(G, init), weight="weight", resolution=resolution, random_state=seed
    )
    groups: dict[int, list[Hashable]] = {}
    for node, c in community_louvain.partition_at_level(dendrogram, 0).items():
        groups.setdefault(c, []).append(node)
    return sorted(sorted(g) for g in groups.values())


def keep_stored_cut(
    G: nx.Graph,
    cold: list[list[Hashable]],
    init: Mapping[Hashable, Hashable | None],
    *,
    max_size: int,
    resolution: float,
    seed: int,
    slack: float,
    max_cut_ratio: float | None = None,
) -> list[list[Hashable]]:
    """The stored cut of ``G`` (refined by :func:`refine_partition`, or else as stored with new
    nodes placed by :func:`place_new_nodes`) instead of the ``cold``
    split when the cold one's modularity at ``resolution`` beats it by no more than ``slack``,
    every stored group beyond ``max_size`` is one the cold split left whole too, and its
    :func:`cut_ratio` stays within ``max_cut_ratio`` (the cold split's own constraints): a large
    component of look-alike homes is not re-cut on data that hold no clearly better cut
    (Louvain's cut there turns on a few edges). Sorted member lists, sorted.

    >>> R = nx.cycle_graph(8)  # a ring: every cut into arcs of 2-3 is as good as another
    >>> cold = split_graph(R, max_size=4, resolution=1.0, step=2.0, depth=2, seed=0); cold
    [[0, 1, 7], [2, 3], [4, 5, 6]]
    >>> stored = {1: "h1", 2: "h1", 3: "h1", 4: "h2", 5: "h2", 6: "h3", 7: "h3", 0: "h3"}
    >>> keep_stored_cut(R, cold, stored, max_size=4, resolution=1.0, seed=0, slack=0.0)
    [[0, 6, 7], [1, 2, 3], [4, 5]]
    >>> halves = {n: "h1" if n < 4 else "h2" for n in R}  # a worse stored cut: the cold one wins
    >>> keep_stored_cut(R, cold, halves, max_size=4, resolution=1.0, seed=0, slack=0.0)
    [[0, 1, 7], [2, 3], [4, 5, 6]]
    """
    if not any(init.get(n) is not None for n in G.nodes):
        return cold
    unsplit = {tuple(g) for g in cold if len(g) > max_size}  # what the cold split could not cut either
    q_cold = nx.community.modularity(G, cold, weight="weight", resolution=resolution)
    # the Louvain pass may grow a stored group past max_size in a large component: then the
    # stored cut as it is (new nodes placed only)
    for warm in (refine_partition(G, init, resolution, seed), place_new_nodes(G, init)):
        if any(len(g) > max_size and tuple(g) not in unsplit for g in warm):
            continue
        if max_cut_ratio is not None and len(warm) > 1 and cut_ratio(G, warm) > max_cut_ratio:
            continue
        q_warm = nx.community.modularity(G, warm, weight="weight", resolution=resolution)
        return warm if q_warm >= q_cold - slack else cold
    return cold


def place_new_nodes(G: nx.Graph, init: Mapping[Hashable, Hashable | None]) -> list[list[Hashable]]:
    """The stored groups of ``G`` (``init``: stored group name per node) as they are, each new
    node (no name), in node order, in the group it has the most edge weight to (ties: the first
    name in sorted order), or alone. Sorted member lists, sorted.

    >>> G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3), (5, 6), (7, 8)])
    >>> place_new_nodes(G, {0: "a", 1: "a", 2: "b", 3: "b", 4: "b", 5: "b"})
    [[0, 1], [2, 3, 4, 5, 6], [7], [8]]
    """
    group: dict[Hashable, str] = {n: str(init[n]) for n in G.nodes if init.get(n) is not None}
    for n in sorted(x for x in G.nodes if x not in group):
        pull: dict[str, float] = {}
        for v, data in G[n].items():
            if v in group and not group[v].startswith("\x00"):
                pull[group[v]] = pull.get(group[v], 0.0) + float(data.get("weight", 1.0))
        group[n] = min(pull, key=lambda g: (-pull[g], g)) if pull else f"\x00new:{n}"
    out: dict[str, list[Hashable]] = {}
    for n, g in group.items():
        out.setdefault(g, []).append(n)
    return sorted(sorted(g) for g in out.values())
