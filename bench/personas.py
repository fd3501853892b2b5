"""Persona and age-band scores on generated worlds, without servers: events → device days → personas.

    flock /tmp/hausgraph-heavy.lock .venv/bin/python bench/personas.py [--households 1000 --days 28
        --seeds 1 2 3 --variants default more-cgnat] [--json]

Each world's valid events go through ``graph.device_days.device_days_from_events`` (the reference of
the ingest aggregate) and ``graph.persona_model.personas_from_rows``; the contract §6 rows are scored
by ``generator.persona_scores.score_personas``. Prints one table row per world and the mean.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.behaviour import EVENTS
from generator.params import variant_params
from generator.persona_scores import score_personas
from generator.pipeline import Generation
from generator.truth import build_truth
from graph.device_days import catalog_meta, device_days_from_events
from graph.persona_model import personas_from_rows


def world_events(gen: Generation) -> list[dict]:
    """Every valid event of the world as the plain dicts ``device_days_from_events`` takes."""
    w = gen.world
    ids = [r["content_id"] for r in w.catalog.records]
    n_cat = len(ids)
    out = []
    for day in range(gen.params.days):
        ev = gen.simulate(day)[0]
        for dev, ts, e, c, dur in zip(
            ev.dev.tolist(), ev.ts.tolist(), ev.event.tolist(), ev.content.tolist(), ev.duration.tolist()
        ):
            out.append(
                {
                    "device": w.dev_key[dev],
                    "ts": ts,
                    "event": EVENTS[e],
                    "content_id": None if c < 0 else (ids[c] if c < n_cat else f"art-new-{c - n_cat:04d}"),
                    "duration_s": None if dur != dur else dur,
                    "device_type": w.dev_reported[dev],
                }
            )
    return out


def score_world(households: int, days: int, seed: int, variant: str) -> dict:
    """Generate one world, run the personas model on it, and score it against its truth."""
    params = variant_params(variant, households=households, days=days, seed=seed)
    gen = Generation(params)
    t0 = time.perf_counter()
    events = world_events(gen)
    truth = build_truth(gen)
    t1 = time.perf_counter()
    rows = device_days_from_events(events, catalog_meta(gen.world.catalog.records))
    t2 = time.perf_counter()
    series = {r["content_id"]: r["series_id"] for r in gen.world.catalog.records if r.get("series_id")}
    result = personas_from_rows(
        rows, as_of_ms=params.day_start_ms(days - 1), content_series=series, data_start_ms=params.start_ms
    )
    t3 = time.perf_counter()
    export = [{"device_key": d["device"], **d, "evidence": json.loads(d["evidence"])} for d in result.devices]
    s = score_personas(truth, export)
    s.update(
        world=f"{variant}/s{seed}",
        events=len(events),
        seconds={
            "generate": round(t1 - t0, 1),
            "device_days": round(t2 - t1, 1),
            "personas": round(t3 - t2, 1),
        },
    )
    return s


def _fmt(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--variants", nargs="+", default=["default"])
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    cols = [
        ("binger", "personas"),
        ("ghoster", "personas"),
        ("kids", "personas"),
        ("kid", "age_bands"),
        ("teen", "age_bands"),
        ("adult", "age_bands"),
    ]
    header = "world            " + " ".join(f"{c[0][:7]:>7}P {c[0][:7]:>7}R" for c in cols) + "  b→g P  b→g R"
    print(header)
    all_scores = []
    for variant in a.variants:
        for seed in a.seeds:
            s = score_world(a.households, a.days, seed, variant)
            all_scores.append(s)
            if a.json:
                print(json.dumps(s))
            cells = " ".join(f"{_fmt(s[k][c]['precision']):>8} {_fmt(s[k][c]['recall']):>8}" for c, k in cols)
            t = s["transitions"]
            print(
                f"{s['world']:<16} {cells}  {_fmt(t['precision'])}  {_fmt(t['recall'])}  "
                f"(true b→g {t['true']}, bingers {s['personas']['binger']['true']}, {s['seconds']})"
            )


if __name__ == "__main__":
    main()
