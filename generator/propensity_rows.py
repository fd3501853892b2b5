"""A generated world's files as the propensity core's plain rows (for the bench, tests and hand-offs).

Households, device types and social links come from ``truth.json`` (what the graph jobs estimate);
ad events and genre shares from ``events.jsonl`` and ``content.jsonl`` as any consumer would see them:
invalid lines skipped, duplicates counted once.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import orjson
import pandas as pd

from ingest.contract import normalize_mac, parse_ts

__all__ = ["world_rows"]

_AD_EVENTS = {"impression", "click", "search", "conversion"}
_NOW_MS = 1_924_992_000_000  # far future: every generated timestamp is in the past


def _lines(out: Path):
    path = out / "events.jsonl"
    if not path.exists():
        path = out / "events.jsonl.gz"
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        yield from f


def world_rows(out: Path) -> dict:
    """The world as ``events`` (DataFrame), ``genres``, ``devices``, ``friends`` rows and its window."""
    truth = orjson.loads((out / "truth.json").read_bytes())
    home = truth["device_household_by_mac"]
    genres = {}
    for line in (out / "content.jsonl").read_bytes().splitlines():
        r = orjson.loads(line)
        genres[r["content_id"]] = r.get("genres") or []
    seen, events = set(), []
    seconds: dict[tuple[str, str], float] = defaultdict(float)
    for line in _lines(out):
        try:
            o = orjson.loads(line)
            mac = normalize_mac(o["mac"])
            ts = parse_ts(o["ts"], _NOW_MS)
        except Exception:  # noqa: BLE001, S112 - malformed lines belong to a world; skipped like ingest would
            continue
        kind = o.get("event", "view")
        ident = (ts, mac, kind, o.get("content_id"), o.get("ad_id"))
        if ident in seen or mac not in home:
            continue
        seen.add(ident)
        if kind in _AD_EVENTS:
            events.append((home[mac], mac, o.get("campaign_id"), kind, ts))
        elif kind == "view" and o.get("content_id") in genres:
            for g in genres[o["content_id"]]:
                seconds[(home[mac], g)] += float(o.get("duration_s") or 0.0)
    totals: dict[str, float] = defaultdict(float)
    for (h, _), s in seconds.items():
        totals[h] += s
    p = truth["params"]
    start_ms = int(pd.Timestamp(p["start"], tz="UTC").timestamp() * 1000)
    return {
        "events": pd.DataFrame(events, columns=["household", "device", "campaign_id", "event", "ts"]),
        "genres": [
            {"household": h, "genre": g, "share": s / totals[h]} for (h, g), s in seconds.items() if totals[h]
        ],
        "devices": [
            {"household": d["household"], "device": d["mac"], "device_type": d["device_type"]}
            for d in truth["devices"]
        ],
        "friends": [
            {"a": x["a"], "b": x["b"], "weight": 1.0} for x in truth["social_pairs"] if x["seen_visits"] > 0
        ],
        "start_ms": start_ms,
        "end_ms": start_ms + int(p["days"]) * 86_400_000,
        "truth": truth,
    }
