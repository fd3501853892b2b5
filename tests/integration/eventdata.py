"""A small deterministic stream of valid and invalid raw events for ingest tests."""

from __future__ import annotations

import json
import random

BASE_MS = 1_793_000_000_000  # 2026-10-26, in the past for every test run


def sample_stream(n_devices: int = 20, per_device: int = 30, seed: int = 7) -> tuple[list[bytes], int]:
    """``(messages, n_invalid)``: views, ads and searches of a few homes, with duplicates and bad lines."""
    rng = random.Random(seed)
    msgs: list[bytes] = []
    for d in range(n_devices):
        mac = f"3c:22:fb:{d // 256:02x}:{d % 256:02x}:{rng.randrange(256):02x}"
        home_ip = f"81.{10 + d // 4}.{d % 4}.{rng.randrange(1, 250)}"
        for i in range(per_device):
            ts = BASE_MS + rng.randrange(0, 3 * 24 * 3_600_000)
            kind = rng.choice(["view", "view", "view", "impression", "click", "search", "bookmark"])
            ev = {
                "ts": ts,
                "ip": home_ip if i % 5 else f"2a02:8071:77:{d:x}::{i:x}",
                "mac": mac,
                "event": kind,
                "device_type": rng.choice(["tv", "phone", "tablet"]),
            }
            if kind in ("view", "bookmark") or rng.random() < 0.2:
                ev["content_id"] = f"show-{rng.randrange(12)}"
            if kind == "view":
                ev["duration_s"] = rng.randrange(30, 3600)
            if kind in ("impression", "click"):
                ev["ad_id"], ev["campaign_id"] = f"ad-{rng.randrange(4)}", f"cmp-{rng.randrange(2)}"
            msgs.append(json.dumps(ev).encode())
            if rng.random() < 0.05:
                msgs.append(msgs[-1])  # an at-least-once duplicate
    bad = [
        b"not json",
        b"[]",
        b'{"ts": 1, "ip": "10.0.0.1", "mac": "3c:22:fb:00:00:01", "content_id": "x"}',
        b'{"ts": 1, "ip": "81.1.1.1", "mac": "00:00:00:00:00:00", "content_id": "x"}',
        b'{"ts": 1, "ip": "81.1.1.1", "mac": "3c:22:fb:00:00:01"}',
        b"\xff" * 10,
        b"{" + b" " * 70_000 + b"}",
    ]
    for i, b in enumerate(bad):
        msgs.insert(7 * (i + 1), b)
    return msgs, len(bad)


def catalog() -> list[bytes]:
    """Catalog records for the shows of :func:`sample_stream` (one left undescribed)."""
    return [
        json.dumps(
            {
                "content_id": f"show-{i}",
                "title": f"Show {i}",
                "kind": "show",
                "genres": ["kids"] if i % 3 == 0 else ["news", "sports"],
                "age_rating": 6,
            }
        ).encode()
        for i in range(11)
    ]
