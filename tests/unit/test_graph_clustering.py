"""Community detection backends and component splitting, with networkx as the oracle."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from graph.clustering import louvain_partition, networkx_louvain_partition, split_graph
from graph.households.cluster import cluster_devices, edge_mask
from graph.households.core import run_households
from graph.params import HouseholdParams
from tests.unit.test_graph_worlds import home


def _weighted_planted(seed: int) -> nx.Graph:
    G = nx.planted_partition_graph(8, 6, 0.9, 0.03, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = float(rng.integers(1, 8))
    return G


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_modularity_not_below_networkx_louvain(seed):
    G = _weighted_planted(seed)
    ours = split_graph(G, max_size=50, resolution=1.0, step=2.0, depth=1, seed=seed)
    oracle = nx.community.louvain_communities(G, weight="weight", seed=seed)
    q_ours = nx.community.modularity(G, ours, weight="weight")
    q_nx = nx.community.modularity(G, oracle, weight="weight")
    assert q_ours >= q_nx - 1e-9


@pytest.mark.parametrize("backend", [louvain_partition, networkx_louvain_partition])
def test_backends_return_a_partition_of_all_nodes(backend):
    G = _weighted_planted(4)
    part = backend(G, 1.0, 0)
    assert set(part) == set(G.nodes)


def test_split_is_a_partition_and_respects_max_size():
    G = _weighted_planted(5)
    parts = split_graph(G, max_size=6, resolution=1.0, step=2.0, depth=3, seed=0)
    nodes = [n for p in parts for n in p]
    assert sorted(nodes) == sorted(G.nodes)
    assert max(len(p) for p in parts) <= 6


def test_fixed_seed_gives_the_same_split():
    G = _weighted_planted(6)
    a = split_graph(G, max_size=6, resolution=1.0, step=2.0, depth=3, seed=11)
    b = split_graph(G, max_size=6, resolution=1.0, step=2.0, depth=3, seed=11)
    assert a == b


def test_oversized_component_is_split_with_modularity_at_least_networkx():
    # 4 homes chained by strong visitor ties into one component larger than max_household_size
    rows = []
    members = tuple((f"d{i}", "phone") for i in range(4))
    for h in range(4):
        rows += home(f"h{h}", f"n{h}", members=members)
    p = HouseholdParams(max_household_size=6, min_fraction=0.0)
    for h in range(3):  # h's d0 is often at the next home too
        rows += [
            dict(r, device=f"h{h}-d0")
            for r in home(f"h{h + 1}", f"n{h + 1}", days=range(0, 14, 3), members=(("d0", "phone"),))
        ]
    run = run_households(rows, p)
    labels, k = cluster_devices(run.copresence, p, seed=0)
    assert k == 4
    cp = run.copresence
    m = edge_mask(cp, p)
    G = nx.Graph()
    G.add_weighted_edges_from(zip(cp.a[m].tolist(), cp.b[m].tolist(), cp.weight[m].tolist()))
    ours = [set(np.flatnonzero(labels == i).tolist()) for i in range(k)]
    oracle = nx.community.louvain_communities(G, weight="weight", seed=0)
    assert nx.community.modularity(G, ours) >= nx.community.modularity(G, oracle) - 1e-9
