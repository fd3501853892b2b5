"""The pure personas core at scale: synthetic device-day frames, then every step of the model.

    flock /tmp/hausgraph-heavy.lock .venv/bin/python bench/personas_core.py [--devices 1000000 --days 30]

Frames are built directly (columnar, numpy) as ``graph.activity.day_frames`` would build them from
device-day rows: each device is active on a day with its own probability, watches 1-3 genres a day
and some series. The core runs on slices of ``PersonaParams.chunk_devices`` devices, as
``graph.persona_model.persona_frames`` does. Prints seconds per step and the peak resident memory
while the core runs (the input frames included), sampled every 20 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.activity import DayFrames, activity_periods, device_chunks, ghost_regions, sleepy_regions
from graph.agebands import age_bands
from graph.params import PersonaParams
from graph.personas import assign_personas, current_personas, transitions, weekly_features

START = 20_454  # 2026-01-01


def synthetic_frames(
    devices: int, days: int, seed: int = 0, first: int = 0, names=None, types=None
) -> DayFrames:
    """Device-day frames of ``devices`` devices (codes from ``first`` on) over ``days`` days (compact
    dtypes, sorted by device); ``names``/``types`` of all devices when this is one slice of more."""
    rng = np.random.default_rng([seed, first])
    p_active = rng.choice([0.1, 0.6, 0.9], size=devices, p=[0.15, 0.35, 0.5]).astype(np.float32)
    dev_parts, day_parts = [], []
    for lo in range(0, devices, 100_000):  # the (devices x days) draw in slices: no 8-byte matrix
        hi = min(lo + 100_000, devices)
        active = rng.random((hi - lo, days), dtype=np.float32) < p_active[lo:hi, None]
        d, t = np.nonzero(active)
        dev_parts.append((d + lo + first).astype(np.int32))
        day_parts.append((t + START).astype(np.int32))
    dev, day = np.concatenate(dev_parts), np.concatenate(day_parts)
    del dev_parts, day_parts
    n = len(dev)
    ev = lambda lam: rng.poisson(lam, n).astype(np.int32)
    cols = {"dev": dev, "day": day, "views": ev(8), "impressions": ev(2), "clicks": ev(0.2)}
    cols |= {"searches": ev(0.5), "conversions": np.zeros(n, np.int32), "bookmarks": ev(0.1)}
    events = cols["views"] + cols["impressions"] + cols["clicks"] + cols["searches"] + cols["bookmarks"]
    cols["events"] = events
    cols["night"] = (events * rng.random(n, dtype=np.float32) * 0.3).astype(np.int32)
    cols["daytime"] = (events * rng.random(n, dtype=np.float32) * 0.4).astype(np.int32)
    seconds = cols["views"] * np.float32(1500.0) * rng.random(n, dtype=np.float32)
    cols["seconds"] = seconds
    cols["kids_seconds"] = np.where(rng.random(n, dtype=np.float32) < 0.1, seconds, np.float32(0))
    cols["movie_seconds"] = seconds * np.float32(0.4)
    cols["episode_seconds"] = seconds * np.float32(0.5)
    cols["max_age"] = np.array([0, 6, 12, 16, 18], np.float32)[rng.integers(0, 5, n)]
    frame = pd.DataFrame(cols, copy=False)
    del cols, events, seconds
    # 1-3 distinct genres a day: a first genre and steps of 1-5 from it (modulo 16 never repeats)
    k = rng.integers(1, 4, n).astype(np.int8)
    first = np.repeat(rng.integers(0, 16, n).astype(np.int16), k)
    step = np.repeat(rng.integers(1, 6, n).astype(np.int16), k)
    j = (np.arange(len(first)) - np.repeat(np.cumsum(k) - k, k)).astype(np.int16)
    genres = pd.DataFrame(
        {
            "dev": np.repeat(dev, k),
            "day": np.repeat(day, k),
            "genre": (first + j * step) % 16,
            "seconds": rng.random(len(first), dtype=np.float32) * 3000,
        },
        copy=False,
    )
    del first, step, j
    has = rng.random(n, dtype=np.float32) < 0.5
    series = pd.DataFrame(
        {
            "dev": dev[has],
            "day": day[has],
            "series": rng.integers(0, 2000, int(has.sum())).astype(np.int32),
            "views": rng.integers(1, 6, int(has.sum())).astype(np.int32),
        }
    )
    if types is None:
        types = np.array(["tv", "phone", "tablet", "desktop"], dtype=object)[rng.integers(0, 4, devices)]
    return DayFrames(
        devices=np.array([f"d{i:07d}" for i in range(devices)], dtype=object) if names is None else names,
        device_type=types,
        days=frame,
        genres=genres,
        genre_names=np.array([f"g{i}" for i in range(16)]),
        series=series,
        series_names=np.array([f"s{i}" for i in range(2000)]),
    )


def _rss_gb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


class PeakRss:
    """Samples the process's resident memory every 20 ms while active: the peak of a stretch of work."""

    def __init__(self) -> None:
        self.peak, self._stop = _rss_gb(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_gb())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_gb())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--whole", action="store_true", help="build the whole input first (default: per slice)")
    a = ap.parse_args()
    p = PersonaParams()
    size = p.chunk_devices
    names = np.array([f"d{i:07d}" for i in range(a.devices)], dtype=object)
    types = np.array(["tv", "phone", "tablet", "desktop"], dtype=object)[
        np.random.default_rng(0).integers(0, 4, a.devices)
    ]
    if a.whole:  # the whole input in memory at once, then the core in slices of it
        t0 = time.perf_counter()
        whole = synthetic_frames(a.devices, a.days, names=names, types=types)
        built = time.perf_counter() - t0
        slices = device_chunks(whole, size)
    else:  # the input comes slice by slice (as a reader paging by device would hand it over)
        whole, built = None, 0.0

        def _slices():
            nonlocal built
            for lo in range(0, a.devices, size):
                t0 = time.perf_counter()
                yield synthetic_frames(min(size, a.devices - lo), a.days, first=lo, names=names, types=types)
                built += time.perf_counter() - t0

        slices = _slices()
    gc.collect()
    base = _rss_gb()
    steps: dict[str, float] = {}
    as_of = START + a.days - 1
    data_start = START
    counts = {"periods": 0, "weeks": 0, "device_days": 0, "genre_rows": 0}
    personas: dict[str, int] = {}

    def step(name, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - t
        return out

    kept = []  # what the job keeps of each slice: the weeks, transitions, current personas, age bands
    with PeakRss() as peak:
        for chunk in slices:  # as graph.persona_model.persona_frames does
            counts["device_days"] += len(chunk.days)
            counts["genre_rows"] += len(chunk.genres)
            periods = step("activity_periods", activity_periods, chunk, p)
            step("sleepy_regions", sleepy_regions, chunk, as_of, p)
            step("ghost_regions", ghost_regions, chunk, p)
            weeks = step("weekly_features", weekly_features, chunk, p, data_start)
            weeks = step("assign_personas", assign_personas, weeks, p)
            trans = step("transitions", transitions, weeks, p)
            cur = step("current_personas", current_personas, weeks, trans, as_of, p)
            ages = step("age_bands", age_bands, chunk, p)
            kept.append((weeks, trans, cur, ages))
            counts["periods"] += len(periods)
            counts["weeks"] += len(weeks)
            for k, v in cur["persona"].value_counts().items():
                personas[str(k)] = personas.get(str(k), 0) + int(v)
            del chunk, periods
    print(
        f"input: {counts['device_days']:,} device-days, {counts['genre_rows']:,} genre rows, "
        f"built in {built:.1f}s ({'whole' if a.whole else 'slice by slice'}, not counted)"
    )
    total = sum(steps.values())
    for k, v in steps.items():
        print(f"  {k:<18} {v:6.1f}s")
    print(
        f"core total {total:.1f}s for {a.devices:,} devices x {a.days} days (slices of {p.chunk_devices:,})"
    )
    print(
        f"peak RSS {peak.peak:.2f} GB while the core ran (before it: {base:.2f} GB); process peak (VmHWM) "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB"
    )
    print(f"  {counts['periods']:,} periods, {counts['weeks']:,} device-weeks, personas: {personas}")


if __name__ == "__main__":
    main()
