"""Waits for work that a loaded box does slowly: fail on a stall, not on a fixed budget."""

from __future__ import annotations

import time
from collections.abc import Callable

from kafka import KafkaConsumer

#: a wait fails when nothing moved for this long (a slow box moves slowly but still moves)
STALL_S = 60
#: and in any case after this long
CAP_S = 600


def wait_moving(
    done: Callable[[], bool],
    progress: Callable[[], int],
    what: str,
    interval: float = 0.2,
    stall: float = STALL_S,
    cap: float = CAP_S,
) -> None:
    """Wait for ``done`` while ``progress`` (a count that only grows) keeps moving.

    A fixed budget fails a loaded box that is merely slow; this fails only a stall (nothing moved
    for ``stall`` seconds) or a run past ``cap`` seconds.
    """
    start = moved = time.monotonic()
    last = progress()
    while not done():
        now, seen = time.monotonic(), progress()
        if seen != last:
            last, moved = seen, now
        assert now - moved < stall, f"nothing moved for {stall}s (at {seen}) waiting for {what}"
        assert now - start < cap, f"over {cap}s (at {seen}) waiting for {what}"
        time.sleep(interval)


def read_topic(bootstrap: str, topic: str, want: int, stall: float = STALL_S) -> list:
    """The records of ``topic`` from its start: until ``want`` have come (or none came for
    ``stall`` seconds), then one more poll, so a record beyond ``want`` is read too."""
    consumer = KafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    got: list = []
    try:
        moved = time.monotonic()
        while len(got) < want and time.monotonic() - moved < stall:
            batch = [m for part in consumer.poll(timeout_ms=500).values() for m in part]
            if batch:
                got, moved = got + batch, time.monotonic()
        got += [m for part in consumer.poll(timeout_ms=1000).values() for m in part]
    finally:
        consumer.close()
    return got
