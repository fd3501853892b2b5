"""Community detection behind one small interface, so a faster backend can be plugged in.

A partitioner is any callable ``partition(G, resolution, seed) -> {node: community}``
on a weighted networkx graph (edge attribute ``weight``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

import networkx as nx

__all__ = ["Partitioner", "cut_ratio", "louvain_partition", "networkx_louvain_partition", "split_graph"]


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
