"""Naive baselines the household job is measured against.

- "same IP = same home": devices that ever share an IP (IPv6: a /64) are one household,
  i.e. connected components of the device-network graph;
- "Louvain on raw co-occurrence": devices weighted by the (network, hour) buckets they share,
  clustered by python-louvain at its default resolution, without network classes or windows.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from graph.networks import PresenceTable
from ingest.batch import prepare
from ingest.file_source import chunks, file_records, open_lines
from ingest.pseudonym import Pseudonymizer
from ingest.rows import hour_rows

__all__ = ["baseline_households_csv", "cooccurrence_louvain", "presence_table", "table_components"]


def presence_table(events: Path, secret: str, now_ms: int = 2**62) -> PresenceTable:
    """The presence table of an events file (``.gz`` too), made by the ingester's own ``prepare``."""
    pseudo = Pseudonymizer(secret)
    rows: list[dict] = []
    with open_lines(str(events)) as stream:
        for chunk in chunks(file_records(stream, events.name), 20_000):
            rows.extend(hour_rows(prepare(chunk, pseudo, now_ms).presence))
    return PresenceTable.from_rows(rows)


def baseline_households_csv(events: Path, out: Path, secret: str, now_ms: int = 2**62) -> int:
    """Write the "same IP = same home" households CSV (contract section 4) of an events file."""
    comp = table_components(presence_table(events, secret, now_ms))
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["device_key", "household_id", "confidence"])
        w.writerows([key, hid, "1.0"] for key, hid in comp.items())
    return len(comp)


def _incidence(dev: np.ndarray, col: np.ndarray, n_dev: int) -> sparse.csr_matrix:
    cols, inv = np.unique(col, return_inverse=True)
    data = np.ones(len(dev), dtype=np.float64)
    m = sparse.csr_matrix((data, (dev, inv.reshape(-1))), shape=(n_dev, len(cols)))
    m.data[:] = 1.0  # duplicates summed: presence, not counts
    return m


def table_components(table) -> dict[str, str]:
    """ "Same IP = same home" over a :class:`graph.networks.PresenceTable`: device -> component.

    >>> from graph.networks import PresenceTable
    >>> t = PresenceTable.from_rows([{"device": d, "network": n, "hour": 0, "events": 1}
    ...                              for d, n in [("a", "n1"), ("b", "n1"), ("c", "n2")]])
    >>> table_components(t)
    {'a': 'c0', 'b': 'c0', 'c': 'c1'}
    """
    n = len(table.device_keys)
    b = _incidence(table.dev, table.net, n)
    _, labels = connected_components(b @ b.T, directed=False)
    return {str(k): f"c{int(c)}" for k, c in zip(table.device_keys, labels)}


def cooccurrence_louvain(table, seed: int = 0, resolution: float = 1.0) -> dict[str, str]:
    """ "Louvain on raw co-occurrence": edge weight = (network, hour) buckets two devices share.

    >>> from graph.networks import PresenceTable
    >>> rows = [{"device": d, "network": n, "hour": h * 3_600_000, "events": 1}
    ...         for d, n in [("a", "n1"), ("b", "n1"), ("c", "n2"), ("d", "n2")] for h in range(3)]
    >>> out = cooccurrence_louvain(PresenceTable.from_rows(rows))
    >>> out["a"] == out["b"] != out["c"] == out["d"]
    True
    """
    import community as community_louvain  # python-louvain
    import networkx as nx

    n = len(table.device_keys)
    bucket = table.net.astype(np.int64) * (1 << 32) + table.hour // 3_600_000
    b = _incidence(table.dev, bucket, n)
    co = sparse.triu(b @ b.T, k=1).tocoo()
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from(zip(co.row.tolist(), co.col.tolist(), co.data.tolist()))
    part = community_louvain.best_partition(G, weight="weight", resolution=resolution, random_state=seed)
    return {str(table.device_keys[d]): f"l{c}" for d, c in part.items()}
