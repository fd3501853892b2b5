"""Pure per-day aggregates: device days and ad exposures from prepared batches."""

from __future__ import annotations

import itertools
import json
import random

from graph.vocabulary import DAY_MS
from ingest.batch import SourceRecord, prepare
from ingest.daily import BID_COPY_MS, device_day_rows, exposure_rows, split_bid_copies
from ingest.pseudonym import Pseudonymizer

NOW = 1_793_700_000_000
PSEUDO = Pseudonymizer("test-secret")


def _prep(events: list[dict]):
    recs = [SourceRecord("view", json.dumps(e).encode(), "file", 0, i) for i, e in enumerate(events)]
    return prepare(recs, PSEUDO, NOW)


def _event(i: int, rng: random.Random) -> dict:
    kind = rng.choice(["view", "impression", "click", "search", "bookmark", "conversion"])
    ev = {"ts": NOW - rng.randrange(3 * DAY_MS), "ip": "81.2.69.160", "mac": f"a4:5e:60:0f:12:{i % 5:02x}"}
    ev["event"] = kind
    if kind in ("view", "bookmark"):
        ev["content_id"] = f"c{rng.randrange(4)}"
        ev["duration_s"] = rng.randrange(100)
    else:
        ev["ad_id"], ev["campaign_id"], ev["source"] = "ad-1", f"k{rng.randrange(2)}", "app"
    return ev


def test_every_fresh_event_lands_in_exactly_one_device_day():
    rng = random.Random(5)
    prep = _prep([_event(i, rng) for i in range(300)])
    ids = {e["id"] for r in prep.presence for e in r["events"]}
    rows = device_day_rows(prep.presence, ids, {})
    counted = sum(
        r[k] for r in rows for k in ("views", "impressions", "clicks", "searches", "conversions", "bookmarks")
    )
    assert counted == len(ids) == sum(sum(r["hour_events"]) for r in rows)
    assert all(r["day"] % DAY_MS == 0 for r in rows)
    assert [(r["device"], r["day"]) for r in rows] == sorted((r["device"], r["day"]) for r in rows)
    half = set(list(ids)[: len(ids) // 2])
    assert sum(sum(r["hour_events"]) for r in device_day_rows(prep.presence, half, {})) == len(half)


def test_exposures_keep_ad_source_and_day_and_are_sorted_by_campaign():
    rng = random.Random(6)
    prep = _prep([_event(i, rng) for i in range(300)])
    ids = {e["id"] for r in prep.presence for e in r["events"]}
    rows = exposure_rows(prep.presence, ids)
    assert [r["campaign"] for r in rows] == sorted(r["campaign"] for r in rows)
    assert {(e["ad"], r["source"]) for r in rows for e in r["events"]} == {("ad-1", "app")}
    assert len({r["key"] for r in rows}) == len(rows)


def _brute_copies(times: list[int]) -> int:
    kept: list[int] = []
    for t in sorted(times):
        if not kept or t - kept[-1] > BID_COPY_MS:
            kept.append(t)
    return len(times) - len(kept)


def test_bid_copies_match_a_brute_force_count():
    rng = random.Random(9)
    for _ in range(200):
        times = [rng.randrange(20_000) for _ in range(rng.randrange(1, 12))]
        kept, copies = split_bid_copies([{"ts": t, "kind": "impression", "ad": "a"} for t in times])
        assert copies == _brute_copies(times)
        assert all(b["ts"] - a["ts"] > BID_COPY_MS for a, b in itertools.pairwise(kept))
