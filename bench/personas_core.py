"""The pure personas core at scale: synthetic device-day frames, then every step of the model.

    flock /tmp/hausgraph-heavy.lock .venv/bin/python bench/personas_core.py [--devices 1000000 --days 30]

Frames are built directly (columnar, numpy) as ``graph.activity.day_frames`` would build them from
device-day rows: each device is active on a day with its own probability, watches 1-3 genres a day
and some series. Prints seconds per step and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.activity import DayFrames, activity_periods, ghost_regions, sleepy_regions
from graph.agebands import age_bands
from graph.params import PersonaParams
from graph.personas import assign_personas, current_personas, transitions, weekly_features

START = 20_454  # 2026-01-01


def synthetic_frames(devices: int, days: int, seed: int = 0) -> DayFrames:
    """Device-day frames of ``devices`` devices over ``days`` days (compact dtypes)."""
    rng = np.random.default_rng(seed)
    p_active = rng.choice([0.1, 0.6, 0.9], size=devices, p=[0.15, 0.35, 0.5])
    active = rng.random((devices, days)) < p_active[:, None]
    dev, day = np.nonzero(active)
    n = len(dev)
    views = rng.poisson(8, n).astype(np.int32)
    ev = lambda lam: rng.poisson(lam, n).astype(np.int32)
    frame = pd.DataFrame(
        {
            "dev": dev.astype(np.int32),
            "day": (day + START).astype(np.int32),
            "views": views,
            "impressions": ev(2),
            "clicks": ev(0.2),
            "searches": ev(0.5),
            "conversions": np.zeros(n, np.int32),
            "bookmarks": ev(0.1),
        }
    )
    frame["events"] = frame[["views", "impressions", "clicks", "searches", "conversions", "bookmarks"]].sum(
        axis=1
    )
    frame["night"] = (frame["events"] * rng.random(n) * 0.3).astype(np.int32)
    frame["daytime"] = (frame["events"] * rng.random(n) * 0.4).astype(np.int32)
    frame["seconds"] = (views * 1500.0 * rng.random(n)).astype(np.float32)
    frame["kids_seconds"] = np.where(rng.random(n) < 0.1, frame["seconds"], 0).astype(np.float32)
    frame["movie_seconds"] = (frame["seconds"] * 0.4).astype(np.float32)
    frame["episode_seconds"] = (frame["seconds"] * 0.5).astype(np.float32)
    frame["max_age"] = rng.choice([0, 6, 12, 16, 18], n).astype(np.float32)
    k = rng.integers(1, 4, n)
    genres = pd.DataFrame(
        {
            "dev": np.repeat(frame["dev"].to_numpy(), k),
            "day": np.repeat(frame["day"].to_numpy(), k),
            "genre": rng.integers(0, 16, k.sum()).astype(np.int16),
            "seconds": rng.random(k.sum()).astype(np.float32) * 3000,
        }
    ).drop_duplicates(["dev", "day", "genre"])
    has = rng.random(n) < 0.5
    series = pd.DataFrame(
        {
            "dev": frame["dev"].to_numpy()[has],
            "day": frame["day"].to_numpy()[has],
            "series": rng.integers(0, 2000, has.sum()).astype(np.int32),
            "views": rng.integers(1, 6, has.sum()).astype(np.int32),
        }
    )
    types = np.array(["tv", "phone", "tablet", "desktop"], dtype=object)[rng.integers(0, 4, devices)]
    return DayFrames(
        devices=np.array([f"d{i:07d}" for i in range(devices)], dtype=object),
        device_type=types,
        days=frame,
        genres=genres,
        genre_names=np.array([f"g{i}" for i in range(16)]),
        series=series,
        series_names=np.array([f"s{i}" for i in range(2000)]),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    a = ap.parse_args()
    p = PersonaParams()
    t0 = time.perf_counter()
    f = synthetic_frames(a.devices, a.days)
    t1 = time.perf_counter()
    print(
        f"frames: {len(f.days):,} device-days, {len(f.genres):,} genre rows in {t1 - t0:.1f}s (not counted)"
    )
    steps = {}
    as_of = START + a.days - 1
    clock = time.perf_counter()

    def step(name, fn):
        nonlocal clock
        out = fn()
        now = time.perf_counter()
        steps[name] = now - clock
        clock = now
        return out

    periods = step("activity_periods", lambda: activity_periods(f, p))
    step("sleepy_regions", lambda: sleepy_regions(f, as_of, p))
    step("ghost_regions", lambda: ghost_regions(f, p))
    weeks = step("weekly_features", lambda: weekly_features(f, p))
    weeks = step("assign_personas", lambda: assign_personas(weeks, p))
    trans = step("transitions", lambda: transitions(weeks, p))
    cur = step("current_personas", lambda: current_personas(weeks, trans, as_of, p))
    step("age_bands", lambda: age_bands(f, p))
    total = sum(steps.values())
    for k, v in steps.items():
        print(f"  {k:<18} {v:6.1f}s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"core total {total:.1f}s for {a.devices:,} devices x {a.days} days; peak RSS {rss:.2f} GB")
    print(
        f"  {len(periods):,} periods, {len(weeks):,} device-weeks, personas: "
        f"{cur['persona'].value_counts().to_dict()}"
    )


if __name__ == "__main__":
    main()
