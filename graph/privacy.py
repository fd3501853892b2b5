"""Privacy helpers: the scan for raw MACs/IPs in the graph, and the digest that names an erased device."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache

from graph.client import GraphClient

__all__ = ["erasure_digest", "looks_raw", "raw_identifiers", "scan"]

_MAC = re.compile(
    r"(?i)\b([0-9a-f]{2}([:-])[0-9a-f]{2}(\2[0-9a-f]{2}){4}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})\b"
)
_IPV4 = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b")
_IPV6 = re.compile(r"(?i)\b[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}\b")


@lru_cache(maxsize=1 << 18)  # ingest asks once per event; a device's events repeat its key
def erasure_digest(device_key: str) -> str:
    """What the suppression list stores for an erased device: a one-way digest of its key, never the key.

    >>> erasure_digest("0164ce5d6991974dc7b423f259acfd9b")
    '3e25d42541ecbe19693069da5813484c'
    """
    return hashlib.sha256(f"erased:{device_key}".encode()).hexdigest()[:32]


def looks_raw(text: str) -> bool:
    """True when ``text`` contains something shaped like a MAC or a valid IP address.

    >>> looks_raw("seen at 81.2.69.160"), looks_raw("a45e.600f.129c"), looks_raw("0164ce5d6991974d")
    (True, True, False)
    """
    if _MAC.search(text):
        return True
    for pattern in (_IPV4, _IPV6):
        for m in pattern.finditer(text):
            try:
                ipaddress.ip_address(m.group(0))
                return True
            except ValueError:
                pass
    return False


def raw_identifiers(strings: Iterable[str]) -> list[str]:
    """The strings that look like raw identifiers."""
    return [s for s in strings if looks_raw(s)]


def scan(client: GraphClient, page: int = 20_000) -> list[str]:
    """Every stored string that looks like a raw MAC or IP (empty when the graph is clean)."""
    found: list[str] = []
    skip = 0
    while True:
        row = client.read("db/read_string_values", skip=skip, limit=page)[0]
        found.extend(raw_identifiers(row["strings"]))
        if row["seen"] < page:
            return found
        skip += page
