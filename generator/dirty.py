"""Dirty data: malformed records of every kind the contract lists, duplicates and late delivery."""

from __future__ import annotations

import numpy as np
import orjson

__all__ = ["MALFORMED", "delivery_delays", "duplicate_delays", "malformed_line", "pick_kinds"]

#: Malformed kind -> the reason code ``ingest.contract.parse_view`` must reject it with.
MALFORMED = {
    "not_json": "not_json",
    "not_object": "not_object",
    "missing_ts": "missing_field",
    "missing_ip": "missing_field",
    "missing_mac": "missing_field",
    "null_ts": "null_field",
    "null_ip": "null_field",
    "null_mac": "null_field",
    "bad_ts": "bad_ts",
    "future_ts": "ts_in_future",
    "bad_ip": "bad_ip",
    "private_ip": "non_public_ip",
    "loopback_ip": "non_public_ip",
    "link_local_ip": "non_public_ip",
    "multicast_ip": "non_public_ip",
    "unspecified_ip": "non_public_ip",
    "bad_mac": "bad_mac",
    "zero_mac": "reserved_mac",
    "broadcast_mac": "reserved_mac",
    "bad_event": "bad_event",
    "missing_content_id": "missing_content_id",
    "wrong_type_ts": "wrong_type",
    "wrong_type_ip": "wrong_type",
    "wrong_type_mac": "wrong_type",
    "wrong_type_duration": "wrong_type",
    "wrong_type_content_id": "wrong_type",
    "bad_device_type": "bad_value",
    "too_large": "too_large",
}
_KINDS = tuple(MALFORMED)
_SWAP = {
    "private_ip": ("10.12.0.7", "192.168.178.23", "172.16.4.2", "fd00::1:2"),
    "loopback_ip": ("127.0.0.1", "::1"),
    "link_local_ip": ("169.254.12.9", "fe80::1c2:3ff:fe4d:5e6f"),
    "multicast_ip": ("224.0.0.251", "ff02::fb"),
    "unspecified_ip": ("0.0.0.0", "::"),
    "bad_ip": ("300.1.2.3", "not-an-ip", "91.64.1", "2a02:8070::g1"),
    "bad_mac": ("a4:5e:60:0f:12", "zz:5e:60:0f:12:9c", "a4:5e-60:0f:12:9c", "a45e600f129c00"),
    "zero_mac": ("00:00:00:00:00:00", "000000000000"),
    "broadcast_mac": ("ff:ff:ff:ff:ff:ff", "FF-FF-FF-FF-FF-FF"),
    "bad_ts": ("2026-13-45T25:61:00Z", "yesterday", "2026-10-02 19:04", "1790812800", "2026-02-30T10:00:00Z"),
    "bad_event": ("watch", "VIEW", "play", ""),
    "bad_device_type": ("fridge", "TV", "smartwatch"),
}


def malformed_line(template: dict, kind: str, rng: np.random.Generator, far_future_ms: int) -> bytes:
    """A line breaking the contract in way ``kind`` (a key of :data:`MALFORMED`), derived from a valid event.

    >>> rng = np.random.default_rng(0)
    >>> malformed_line({"ts": 1, "ip": "91.64.1.1", "mac": "a4:5e:60:0f:12:9c"}, "missing_ip", rng, 0)
    b'{"ts":1,"mac":"a4:5e:60:0f:12:9c"}'
    """
    o = dict(template)
    pick = lambda xs: xs[int(rng.integers(len(xs)))]
    if kind == "not_json":
        return pick(
            (b'{"ts": "2026-10-02T19:04:11Z", "ip": ', b"GET /view HTTP/1.1", b"\xff\xfe{}", b"{'ts': 1}")
        )
    if kind == "not_object":
        return pick((b"[1, 2, 3]", b'"view"', b"42", b"null", orjson.dumps([o])))
    field = kind.split("_", 1)[1] if kind.startswith(("missing_", "null_", "wrong_type_")) else None
    if kind.startswith("missing_") and kind != "missing_content_id":
        del o[field]
    elif kind.startswith("null_"):
        o[field] = None
    elif kind.startswith("wrong_type_"):
        field = field.removeprefix("type_")
        o[field if field != "duration" else "duration_s"] = {
            "ts": True,
            "ip": [o["ip"]],
            "mac": 0xA45E600F129C,
            "duration": "1200",
            "content_id": 12345,
        }[field]
    elif kind in ("private_ip", "loopback_ip", "link_local_ip", "multicast_ip", "unspecified_ip", "bad_ip"):
        o["ip"] = pick(_SWAP[kind])
    elif kind in ("bad_mac", "zero_mac", "broadcast_mac"):
        o["mac"] = pick(_SWAP[kind])
    elif kind == "bad_ts":
        o["ts"] = pick(_SWAP[kind])
    elif kind == "future_ts":
        o["ts"] = far_future_ms + int(rng.integers(0, 86_400_000 * 30))
    elif kind == "bad_event":
        o["event"] = pick(_SWAP[kind])
    elif kind == "bad_device_type":
        o["device_type"] = pick(_SWAP[kind])
    elif kind == "missing_content_id":
        o.pop("content_id", None)
        if rng.random() < 0.7:
            o["event"] = pick(("view", "bookmark"))
        else:
            o.pop("event", None)  # absent event means view
    elif kind == "too_large":
        o["debug_blob"] = "x" * (65_536 + int(rng.integers(1, 5000)))
    return orjson.dumps(o)


def pick_kinds(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` malformed kinds, cycling through all of them from a random start (so all appear)."""
    start = int(rng.integers(len(_KINDS)))
    return [_KINDS[(start + i) % len(_KINDS)] for i in range(n)]


def delivery_delays(rng: np.random.Generator, n: int, late_rate: float) -> np.ndarray:
    """Milliseconds between an event and its delivery: seconds mostly, minutes to hours for some."""
    d = rng.integers(0, 3_000, size=n)
    late = rng.random(n) < late_rate
    d[late] = rng.integers(600_000, 8 * 3_600_000, size=int(late.sum()))
    return d


def duplicate_delays(rng: np.random.Generator, n: int) -> np.ndarray:
    """Delay of a duplicate after the original: often soon (retries), sometimes much later (replays)."""
    d = rng.integers(1_000, 600_000, size=n)
    much = rng.random(n) < 0.3
    d[much] = rng.integers(3_600_000, 30 * 3_600_000, size=int(much.sum()))
    return d
