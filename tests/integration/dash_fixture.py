"""A small deterministic graph of the whole model for the dashboard tests and bench.

The real pipeline (generator -> ingest -> ``graph.jobs.run_all``) cannot fill households
yet, so the graph is built here as plain rows by a pure function of a seed and written
with the one seed query ``dashboards/seed_demo_graph``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from ingest.pseudonym import Pseudonymizer

__all__ = ["SECRET", "NOW_MS", "DemoWorld", "demo_world", "load_demo_graph"]

#: Pseudonym secret of the demo world; the app must be given the same one to look up MACs.
SECRET = "dashboard-test-secret"
#: The demo world's "now" (2024-12-24T00:00Z); every timestamp is before it.
NOW_MS = 1_735_000_000_000
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

GENRES = ("drama", "comedy", "crime", "documentary", "kids", "sport", "news", "cooking", "sci-fi")
TYPES = ("tv", "phone", "tablet", "desktop", "console", "other")
_TYPE_WEIGHTS = (4, 5, 2, 2, 1, 1)
CLASSES = ("cgnat", "mobile", "workplace", "public")
JOBS = ("households", "social", "affinity")
REASONS = ("not_json", "bad_mac", "bad_ts", "missing_field")


@dataclass
class DemoWorld:
    """Rows for ``dashboards/seed_demo_graph`` plus the raw MACs a user could type in."""

    rows: dict[str, list[dict[str, Any]]]
    macs: dict[str, str] = field(default_factory=dict)  # device key -> raw MAC

    @property
    def households(self) -> list[dict[str, Any]]:
        return self.rows["households"]


def _mac(i: int) -> str:
    return "a4:5e:60:{:02x}:{:02x}:{:02x}".format((i >> 16) & 255, (i >> 8) & 255, i & 255)


def demo_world(n_households: int = 80, seed: int = 7, secret: str = SECRET) -> DemoWorld:
    """Rows of a small realistic graph: households, their devices, networks, viewing, links, runs.

    >>> w = demo_world(5, seed=1)
    >>> len(w.households), w.households[0]["id"]
    (5, 'hh-00000')
    >>> demo_world(5, seed=1).rows == w.rows
    True
    """
    rng = random.Random(seed)
    pseudo = Pseudonymizer(secret)
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "networks", "devices", "seen", "contents", "watched", "exposed", "households", "members",
        "homes", "links", "likes", "similar", "runs", "stats", "dead", "offsets")}
    macs: dict[str, str] = {}

    contents = []
    for i in range(40):
        genres = rng.sample(GENRES, k=rng.randint(1, 2))
        series = f"series-{i // 4:02d}" if i < 24 else None
        contents.append({
            "id": f"show-{i:03d}", "title": f"{genres[0].title()} <Show> #{i}",
            "kind": "series_episode" if series else "movie", "series_id": series, "genres": genres,
            "age_rating": 0 if "kids" in genres else rng.choice([6, 12, 16]), "described": True})
    rows["contents"] = contents

    shared = []
    for i in range(max(4, n_households // 10)):
        cls = CLASSES[i % len(CLASSES)]
        shared.append({"key": pseudo.ip(f"198.51.{i // 250}.{i % 250}"), "family": 4,
                       "first_seen": NOW_MS - 30 * DAY_MS, "last_seen": NOW_MS - HOUR_MS, "class": cls,
                       "class_evidence": json.dumps({"households": rng.randint(2, 40), "rule": cls})})
    rows["networks"].extend(shared)

    dev = 0
    for h in range(n_households):
        hid = f"hh-{h:05d}"
        size = rng.choices((1, 2, 3, 4, 5), weights=(3, 4, 3, 2, 1))[0]
        n_dev = max(1, min(6, size + rng.randint(-1, 2)))
        types = rng.choices(TYPES, weights=_TYPE_WEIGHTS, k=n_dev)
        home = {"key": pseudo.ip(f"2a02:8070:{h // 65536:x}:{h % 65536:x}::/64"), "family": 6,
                "first_seen": NOW_MS - 30 * DAY_MS, "last_seen": NOW_MS - rng.randint(1, 72) * HOUR_MS,
                "class": "home", "class_evidence": json.dumps({"devices": n_dev, "night_hours": 40})}
        rows["networks"].append(home)
        rows["homes"].append({"household": hid, "network": home["key"], "hours": rng.randint(50, 600)})
        kids = rng.random() < 0.3
        liked = rng.sample(GENRES, k=3)
        if kids and "kids" not in liked:
            liked[2] = "kids"
        seen_titles: dict[str, int] = {}
        last_active = 0
        for t in types:
            mac = _mac(dev)
            dev += 1
            key = pseudo.mac(mac)
            macs[key] = mac
            last = NOW_MS - rng.randint(1, 24 * 20) * HOUR_MS
            last_active = max(last_active, last)
            events = 0
            for b in range(rng.randint(3, 8)):
                hour = (last - b * rng.randint(1, 30) * HOUR_MS) // HOUR_MS * HOUR_MS
                ev = rng.randint(1, 20)
                events += ev
                away = t in ("phone", "tablet") and rng.random() < 0.25
                net = rng.choice(shared)["key"] if away else home["key"]
                rows["seen"].append({"device": key, "network": net, "hour": hour, "first": hour + 60_000,
                                     "last": hour + 3_000_000, "events": ev, "ids": ev})
            rows["devices"].append({"key": key, "type": t, "first_seen": NOW_MS - 30 * DAY_MS,
                                    "last_seen": last, "events": events})
            conf = round(rng.uniform(0.55, 0.99), 2)
            rows["members"].append({"device": key, "household": hid, "confidence": conf, "run": "households-demo",
                                    "evidence": json.dumps({"home_network_hours": rng.randint(5, 300),
                                                            "night_share": round(rng.random(), 2),
                                                            "co_viewing": rng.randint(0, 12)})})
            pool = [c for c in contents if set(c["genres"]) & set(liked)] or contents
            for c in rng.sample(pool, k=min(len(pool), rng.randint(2, 6))):
                secs = rng.randint(300, 20_000)
                seen_titles[c["id"]] = seen_titles.get(c["id"], 0) + secs
                rows["watched"].append({"device": key, "content": c["id"], "views": rng.randint(1, 9),
                                        "bookmarks": rng.randint(0, 1), "seconds": secs,
                                        "first": last - 10 * DAY_MS, "last": last})
            if rng.random() < 0.4:
                rows["exposed"].append({"device": key, "campaign": f"cmp-{rng.randint(1, 5)}",
                                        "impressions": rng.randint(1, 30), "clicks": rng.randint(0, 3),
                                        "conversions": rng.randint(0, 1), "first": last - DAY_MS, "last": last})
        top = sorted(seen_titles, key=lambda c: -seen_titles[c])[:5]
        hour_profile = [rng.randint(0, 5) if 1 <= x <= 6 else rng.randint(3, 40) for x in range(24)]
        rows["households"].append({
            "id": hid, "size": size, "confidence": round(rng.uniform(0.6, 0.99), 2), "lineage": hid,
            "run": "households-demo", "devices": n_dev, **{t: types.count(t) for t in TYPES}, "kids": kids,
            "top_series": sorted({c["series_id"] for c in contents if c["id"] in top and c["series_id"]}),
            "top_content": top, "hour_profile": hour_profile,
            "weekday_profile": [rng.randint(10, 90) for _ in range(7)], "last_active": last_active})
        for rank, g in enumerate(liked):
            rows["likes"].append({"household": hid, "genre": g, "score": round(1.0 - 0.25 * rank - rng.random() * 0.1, 3),
                                  "share": round(0.5 / (rank + 1), 3)})

    ids = [h["id"] for h in rows["households"]]
    links = set()
    for i, a in enumerate(ids):
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            b = ids[rng.randrange(len(ids))]
            if a != b:
                links.add((min(a, b), max(a, b)))
    for a, b in sorted(links):
        first = NOW_MS - rng.randint(5, 30) * DAY_MS
        rows["links"].append({"a": a, "b": b, "weight": round(rng.uniform(0.1, 1.0), 3), "visits": rng.randint(1, 12),
                              "first": first, "last": first + rng.randint(1, 4) * DAY_MS,
                              "evidence": json.dumps({"visiting_devices": rng.randint(1, 3), "evenings": rng.randint(1, 6)})})
        if rng.random() < 0.3:
            rows["similar"].append({"a": a, "b": b, "score": round(rng.random(), 3)})

    for j, job in enumerate(JOBS):
        for k in range(3):
            started = NOW_MS - (k * 6 + j) * HOUR_MS
            failed = job == "social" and k == 1
            rows["runs"].append({
                "id": f"{job}-demo-{k}", "job": job, "started": started,
                "ended": started + rng.randint(2_000, 90_000), "status": "failed" if failed else "succeeded",
                "counts": json.dumps({"households": n_households} if not failed else {}),
                "params": json.dumps({"seed": seed}), "error": "QueryFailed: demo failure" if failed else None})
    rows["stats"].append({"id": "hausgraph-ingest", "valid": 50_000, "invalid": 321, "fresh": 48_500,
                          "late": 740, "duplicates": 1_500, "batches": 12, "started": NOW_MS - 2 * DAY_MS,
                          "last_commit": NOW_MS - 60_000})
    for d in range(7):
        day = f"2024-12-{17 + d:02d}"
        for r in REASONS:
            rows["dead"].append({"id": f"{day}|{r}", "day": day, "reason": r, "count": rng.randint(0, 40)})
    rows["offsets"].append({"id": "hausgraph-ingest|views|0", "group": "hausgraph-ingest", "topic": "views",
                            "partition": 0, "next": 50_321, "updated": NOW_MS - 60_000})
    return DemoWorld(rows=rows, macs=macs)


def load_demo_graph(client: Any, world: DemoWorld) -> dict[str, Any]:
    """Write ``world`` with the seed query (idempotent MERGEs); returns the query's summary row."""
    return client.run_write("dashboards/seed_demo_graph", **world.rows)[0]
