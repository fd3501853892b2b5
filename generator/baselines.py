"""Naive baselines the household job is measured against.

- "same IP = same home": devices that ever share an IP (IPv6: a /64) are one household,
  i.e. connected components of the device-network graph;
- "Louvain on raw co-occurrence": devices weighted by the (network, hour) buckets they share,
  clustered by python-louvain at its default resolution, without network classes or windows.
"""

from __future__ import annotations

import csv
import gzip
import ipaddress
from pathlib import Path
from typing import Iterable

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer, prefix64

__all__ = ["shared_ip_components", "baseline_households_csv", "table_components", "cooccurrence_louvain"]


def shared_ip_components(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components of the device-network graph; returns device -> component id.

    >>> shared_ip_components([("m1", "ip1"), ("m2", "ip1"), ("m3", "ip2")])
    {'m1': 'c0000', 'm2': 'c0000', 'm3': 'c0001'}
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    devices: list[str] = []
    seen: set[str] = set()
    for dev, net in pairs:
        if dev not in seen:
            seen.add(dev)
            devices.append(dev)
        a, b = find("d:" + dev), find("n:" + net)
        if a != b:
            parent[max(a, b)] = min(a, b)
    names: dict[str, str] = {}
    out = {}
    for dev in devices:
        root = find("d:" + dev)
        out[dev] = names.setdefault(root, f"c{len(names):04d}")
    return out


def _pairs_from_lines(lines: Iterable[bytes], now_ms: int) -> Iterable[tuple[str, str]]:
    for line in lines:
        try:
            ev = parse_view(line, now_ms)
        except InvalidRecord:
            continue
        net = prefix64(ipaddress.IPv6Address(ev.ip)) if ev.ipv6 else ev.ip
        yield ev.mac, net


def baseline_households_csv(events: Path, out: Path, secret: str, now_ms: int = 2**62) -> int:
    """Write a households CSV (contract section 4) from an events file; returns rows written."""
    opener = gzip.open if events.suffix == ".gz" else open
    with opener(events, "rb") as fh:
        comp = shared_ip_components(_pairs_from_lines((line.rstrip(b"\n") for line in fh), now_ms))
    pseud = Pseudonymizer(secret)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["device_key", "household_id", "confidence"])
        for mac, hid in comp.items():
            w.writerow([pseud.mac(mac), hid, "1.0"])
    return len(comp)


def _incidence(dev: np.ndarray, col: np.ndarray, n_dev: int) -> sparse.csr_matrix:
    cols, inv = np.unique(col, return_inverse=True)
    data = np.ones(len(dev), dtype=np.float64)
    m = sparse.csr_matrix((data, (dev, inv.reshape(-1))), shape=(n_dev, len(cols)))
    m.data[:] = 1.0  # duplicates summed: presence, not counts
    return m


def table_components(table) -> dict[str, str]:
    """"Same IP = same home" over a :class:`graph.networks.PresenceTable`: device -> component.

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
    """"Louvain on raw co-occurrence": edge weight = (network, hour) buckets two devices share.

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
