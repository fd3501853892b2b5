"""Live mode: the same world streamed at a fixed rate, stamped with the real clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import fields

import numpy as np

from generator.behaviour import DayEvents
from generator.params import WorldParams
from generator.pipeline import FAR_FUTURE_MS, Generation

__all__ = ["stream_live"]


def _slice(ev: DayEvents, a: int, b: int) -> DayEvents:
    return DayEvents(**{f.name: getattr(ev, f.name)[a:b] for f in fields(ev)})


def stream_live(
    params: WorldParams,
    sink,
    rate: float,
    speedup: float | None = None,
    forever: bool = False,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    tick_s: float = 0.1,
    max_events: int | None = None,
    first_day: int = 0,
) -> int:
    """Send the world's events to ``sink`` at about ``rate`` events/s until done or ``stop`` is set.

    Behaviour (who, where, what) follows the simulated days in order; every timestamp is the
    real clock at sending time (minus a little delivery jitter), so nothing runs ahead of real
    time. With ``speedup``, the simulated clock advances ``speedup`` times faster than real
    time and caps what may be sent (``rate`` stays an upper bound). ``first_day``: the world
    day to start at (0, as the demo; later days continue a world whose history was loaded, its
    leases renewed and its moves made on the days skipped). Returns lines sent.
    """
    stop = stop or threading.Event()
    gen = Generation(params)
    sink.write(gen.content_lines(), [r["content_id"].encode() for r in gen.world.catalog.records])
    t0 = clock()
    sent = budget = 0.0
    if first_day < 0:
        raise ValueError(f"first_day must be >= 0, got {first_day}")
    for d in range(first_day):
        gen.skip(d)
    day, pos = first_day, 0
    ev, table, aid, rng = gen.simulate(first_day)
    last = t0
    while not stop.is_set():
        now = clock()
        budget = min(budget + (now - last) * rate, rate * 2)
        last = now
        take = int(budget)
        if speedup:
            sim_now = params.start_ms + (now - t0) * speedup * 1000
            take = min(take, int(np.searchsorted(ev.ts[pos:], sim_now, side="right")))
        if max_events is not None:
            take = min(take, max_events - int(sent))
        if take > 0:
            b = min(pos + take, len(ev.ts))
            part = _slice(ev, pos, b)
            now_ms = int(now * 1000)
            stamp = now_ms - rng.integers(0, 2_000, size=b - pos)
            objs = gen.renderer.objects(
                part, table, aid[pos:b], rng, tag=f"{params.seed:x}-{day:04d}-{pos}", ts_override=stamp
            )
            dirty = gen.dirty_lines(objs, part, stamp, rng, max(FAR_FUTURE_MS, now_ms + 10 * 86_400_000))
            lines, keys, _ = gen.add_bid_copies(
                objs, part, stamp, dirty, f"{params.seed:x}-{day:04d}-{pos}", rng
            )
            sink.write(lines, keys)
            sent += len(lines)
            budget -= b - pos
            pos = b
        if max_events is not None and sent >= max_events:
            break
        if pos >= len(ev.ts):
            day, pos = day + 1, 0
            if day >= params.days and not forever:
                break
            ev, table, aid, rng = gen.simulate(day)
            continue
        sleep(tick_s)
    if hasattr(sink, "flush"):
        sink.flush()
    return int(sent)
