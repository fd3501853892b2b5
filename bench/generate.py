"""Benchmark: generator events/s to a file (and to Kafka with --kafka BOOTSTRAP), with a cProfile top-10."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
import uuid
from pathlib import Path

from generator.params import WorldParams
from generator.run import generate_to_dir, generate_to_kafka


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--kafka", default=None, help="bootstrap servers; also measure Kafka")
    ap.add_argument("--no-profile", action="store_true")
    a = ap.parse_args()
    params = WorldParams(households=a.households, days=a.days)
    with tempfile.TemporaryDirectory() as tmp:
        prof = cProfile.Profile()
        t = time.perf_counter()
        if not a.no_profile:
            prof.enable()
        truth, _ = generate_to_dir(params, Path(tmp))
        prof.disable()
        dt = time.perf_counter() - t
        n = truth["counts"]["lines"]
        print(f"file : {n} lines in {dt:.1f}s = {n / dt:,.0f} events/s")
        if not a.no_profile:
            pstats.Stats(prof).sort_stats("tottime").print_stats(10)
    if a.kafka:
        topic = f"bench-views-{uuid.uuid4().hex[:8]}"
        t = time.perf_counter()
        truth, _ = generate_to_kafka(params, a.kafka, topic, topic + "-content")
        dt = time.perf_counter() - t
        n = truth["counts"]["lines"]
        print(f"kafka: {n} lines in {dt:.1f}s = {n / dt:,.0f} events/s (topic {topic})")


if __name__ == "__main__":
    main()
