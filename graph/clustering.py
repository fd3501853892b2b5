"""Community detection behind one small interface, so a faster backend can be plugged in.

A partitioner is any callable ``partition(G, resolution, seed) -> {node: community}``
on a weighted networkx graph (edge attribute ``weight``).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol

import networkx as nx

__all__ = ["Partitioner", "louvain_partition", "networkx_louvain_partition", "split_graph"]


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


def _best_of(G: nx.Graph, resolution: float, seed: int, starts: int,
             partition: Partitioner) -> dict[Hashable, int]:
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


def split_graph(G: nx.Graph, *, max_size: int, resolution: float, step: float, depth: int,
                seed: int, partition: Partitioner = louvain_partition, starts: int = 3) -> list[list[Hashable]]:
    """Split ``G`` into communities; communities still larger than ``max_size`` are split again
    at ``resolution * step`` (at most ``depth`` levels). Each level keeps the best of ``starts``
    seeded runs (Louvain is a heuristic). Returns sorted member lists, sorted.

    >>> G = nx.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)])
    >>> split_graph(G, max_size=3, resolution=1.0, step=2.0, depth=2, seed=0)
    [[0, 1, 2], [3, 4, 5]]
    """
    if G.number_of_edges() == 0:
        return sorted([n] for n in G.nodes)
    part = _best_of(G, resolution, seed, starts, partition)
    groups: dict[int, list[Hashable]] = {}
    for node, c in part.items():
        groups.setdefault(c, []).append(node)
    out: list[list[Hashable]] = []
    for members in groups.values():
        if len(members) > max_size and depth > 1 and len(members) < G.number_of_nodes():
            out.extend(split_graph(G.subgraph(members).copy(), max_size=max_size,
                                   resolution=resolution * step, step=step, depth=depth - 1,
                                   seed=seed, partition=partition, starts=starts))
        else:
            out.append(sorted(members))
    return sorted(out)
