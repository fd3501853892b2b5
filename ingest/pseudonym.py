"""Keyed pseudonyms of MACs and IPs, exactly as the contract (section 3) defines them."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache

__all__ = ["DEMO_SECRET", "Pseudonymizer", "prefix64"]

#: Used only in demo mode, which says so loudly at start-up.
DEMO_SECRET = "hausgraph-demo-secret-not-for-production"


def prefix64(ip: ipaddress.IPv6Address) -> str:
    """The home network of an IPv6 address: its /64 prefix in CIDR text.

    >>> prefix64(ipaddress.IPv6Address("2a02:8071:1:2:aaaa::1"))
    '2a02:8071:1:2::/64'
    """
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


class Pseudonymizer:
    """Computes ``key(kind, value)`` for already normalized values.

    ``key(kind, value) = HMAC-SHA256(secret, kind + ":" + value)``, hex, first 32 chars.

    >>> Pseudonymizer("s").key("mac", "a4:5e:60:0f:12:9c")
    '0164ce5d6991974dc7b423f259acfd9b'
    """

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the pseudonym secret must not be empty")
        self._secret = secret.encode()
        # Devices and networks repeat constantly; HMAC per event would dominate ingest time.
        self.key = lru_cache(maxsize=1 << 18)(self._key)  # type: ignore[method-assign]

    def _key(self, kind: str, value: str) -> str:
        msg = f"{kind}:{value}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def mac(self, normalized_mac: str) -> str:
        """Key of a normalized MAC (``a4:5e:60:0f:12:9c``)."""
        return self.key("mac", normalized_mac)

    def ip(self, normalized_ip: str) -> str:
        """Key of a normalized IP (``ipaddress.ip_address(v).compressed``) or an IPv6 /64."""
        return self.key("ip", normalized_ip)

    def event_id(self, *parts: str) -> int:
        """A keyed 64-bit identity of an event (keyed, because its parts are raw identifiers).

        A signed integer, because Neo4j stores and compares integer lists far faster than
        string lists, and every bucket edge keeps the identities of its events.
        """
        h = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8, key=self._secret[:64])
        return int.from_bytes(h.digest(), "big", signed=True)
