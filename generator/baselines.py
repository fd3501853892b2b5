"""Naive baseline: devices that ever share an IP (IPv6: a /64) are one household (connected components)."""

from __future__ import annotations

import csv
import gzip
import ipaddress
from pathlib import Path
from typing import Iterable

from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer, prefix64

__all__ = ["shared_ip_components", "baseline_households_csv"]


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
