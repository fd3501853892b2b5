"""Community detection backends and component splitting, with networkx as the oracle."""

from __future__ import annotations

from dataclasses import replace

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


def _ring_rows() -> list[dict]:
    """Eight phones in a ring, each pair of neighbours together every evening on a network of
    their own: one component that must be split, and every cut into arcs is as good as another."""
    from tests.unit.test_graph_worlds import stay

    rows = []
    for i in range(8):
        for d in (i, (i + 1) % 8):
            rows += stay(f"d{d}", "phone", f"n{i}", range(14), (19, 20))
    return rows


def _groups(out: dict) -> list[list[str]]:
    g: dict[str, list[str]] = {}
    for m in out["memberships"]:
        g.setdefault(m["household_id"], []).append(m["device"])
    return sorted(sorted(x) for x in g.values())


RING = HouseholdParams(max_household_size=4)
ROTATED = {"d1": "A", "d2": "A", "d3": "A", "d4": "B", "d5": "B", "d6": "C", "d7": "C", "d0": "C"}


def test_warm_full_run_keeps_a_stored_cut_as_good_as_the_cold_one():
    from graph.households.core import household_rows

    rows = _ring_rows()
    cold = _groups(household_rows(run_households(rows, RING), None, RING))
    assert cold == [["d0", "d6", "d7"], ["d1", "d2"], ["d3", "d4", "d5"]]
    warm = household_rows(run_households(rows, RING, previous=ROTATED), ROTATED, RING)
    assert _groups(warm) == [["d0", "d6", "d7"], ["d1", "d2", "d3"], ["d4", "d5"]]
    assert {m["device"]: m["household_id"] for m in warm["memberships"]} == ROTATED  # ids kept too
    # warm_start off: the cold cut, stored households or not (the Spark engine's answer)
    off = replace(RING, warm_start=False)
    assert _groups(household_rows(run_households(rows, off, previous=ROTATED), ROTATED, off)) == cold


def test_warm_full_run_gives_way_to_a_clearly_better_cut_and_places_new_devices():
    from graph.households.core import household_rows

    rows = _ring_rows()
    halves = {f"d{i}": "A" if i < 4 else "B" for i in range(8)}  # modularity 0.25 against 0.28
    cold = _groups(household_rows(run_households(rows, RING), None, RING))
    assert _groups(household_rows(run_households(rows, RING, previous=halves), halves, RING)) == cold
    loose = replace(RING, warm_slack=0.05)  # within the slack the stored cut stays
    assert _groups(household_rows(run_households(rows, loose, previous=halves), halves, loose)) == [
        ["d0", "d1", "d2", "d3"],
        ["d4", "d5", "d6", "d7"],
    ]
    partial = {k: v for k, v in ROTATED.items() if k != "d5"}  # d5 is new: it joins a neighbour's home
    warm = _groups(household_rows(run_households(rows, RING, previous=partial), partial, RING))
    assert ["d0", "d6", "d7"] in warm and ["d1", "d2", "d3"] in warm and sum(map(len, warm)) == 8
