"""Benchmark: sustained Kafka → Neo4j ingest, ingester memory, naive baseline, live latency.

Usage (wipes the graph of the benchmark's own Neo4j, hence --yes):

    python bench/ingest.py --households 1000 --days 14 --yes [--ingesters 2]

Steps: (1) the generated world is produced to fresh topics; (2) ``--ingesters`` separate
ingester processes (one consumer group, so they split the partitions) consume them into an
empty graph until every partition is committed with the data (events/s, peak RSS); (3) a naive
one-transaction-per-event ingester on the first N events (events/s, ratio); (4) a live stream
at --live-rate events/s for --live-seconds with event-to-graph latency percentiles;
(5) a cProfile of the pure preparation step.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import resource
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaProducer  # noqa: E402

from bench.common import SECRET, bench_settings, cpu_seconds, server_pids  # noqa: E402
from generator.params import WorldParams  # noqa: E402
from generator.pipeline import Generation  # noqa: E402
from generator.run import generate_to_kafka  # noqa: E402
from graph.admin import migrate, reset  # noqa: E402
from hausgraph.runtime import graph_client, kafka_ingest_loop, pseudonymizer  # noqa: E402
from hausgraph.servers import ensure_started  # noqa: E402
from hausgraph.settings import Settings  # noqa: E402
from ingest.batch import SourceRecord, prepare  # noqa: E402
from ingest.kafka_source import end_offsets  # noqa: E402
from ingest.sink import read_offsets, write_batch  # noqa: E402


class _DriverRetries(logging.Handler):
    """Counts the transactions the driver retried (deadlocks between ingesters, mostly)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "will be retried" in record.getMessage()


def ingester(settings: Settings, conn, client, views: str, content: str, group: str, batch: int):
    """The product's own Kafka ingest loop (``hausgraph ingest``), on the benchmark's topics and group."""
    return kafka_ingest_loop(
        settings.model_copy(
            update={
                "topic_views": views,
                "topic_content": content,
                "topic_dlq": views + ".dlq",
                "consumer_group": group,
                "ingest_batch_size": batch,
            }
        ),
        conn,
        client,
    )


def worker(views: str, content: str, group: str, batch: int) -> None:
    """Ingest the topics as one member of ``group`` until the group has caught up; print figures."""
    retried = _DriverRetries()
    logging.getLogger("neo4j").addHandler(retried)
    settings = bench_settings()
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    ends = end_offsets(conn.kafka_bootstrap, [views, content])
    loop, dead_letter_producer = ingester(settings, conn, client, views, content, group, batch)
    stop = threading.Event()
    t = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    cpu0 = time.process_time()
    t0 = time.monotonic()
    t.start()
    while True:  # done when the group's offsets stored with the data reach the end of every partition
        stored = read_offsets(client, group)
        if all(stored.get(tp, 0) >= n for tp, n in ends.items() if n > 0):
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - t0
    stop.set()
    t.join(60)
    dead_letter_producer.close()
    records = loop.stats.valid + loop.stats.invalid
    print(
        json.dumps(
            {
                "records": records,
                "seconds": round(elapsed, 1),
                "per_s": round(records / elapsed),
                "fresh": loop.stats.fresh,
                "dead": loop.stats.invalid,
                "batches": loop.stats.batches,
                "retried_tx": retried.count,
                "cpu_s": round(time.process_time() - cpu0, 1),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


def peak_rss_mb() -> int:
    """This process's peak resident memory. VmHWM, not getrusage: Linux carries ru_maxrss over
    ``fork`` + ``exec``, so a worker started by a big parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def naive(client, lines: list[bytes], pseudo) -> float:
    """One transaction per event: events/s."""
    t0 = time.monotonic()
    for i, line in enumerate(lines):
        now = int(time.time() * 1000)
        write_batch(client, prepare([SourceRecord("view", line, "naive", 0, i)], pseudo, now), "naive", now)
    return len(lines) / (time.monotonic() - t0)


def live_latency(conn, settings, rate: float, seconds: float, batch: int) -> dict:
    """Stream ``rate`` events/s stamped with the real clock; latency = Neo4j commit - event time."""
    client = graph_client(settings, conn)
    topic = f"bench-live-{uuid.uuid4().hex[:6]}"
    producer = KafkaProducer(bootstrap_servers=conn.kafka_bootstrap, linger_ms=5)
    producer.send(topic, b"{}").get(30)  # create the topic before the consumer subscribes
    lat: list[int] = []
    loop, dead_letter_producer = ingester(settings, conn, client, topic, topic + ".content", topic, batch)
    stop = threading.Event()
    t = threading.Thread(
        target=loop.run,
        args=(stop,),
        kwargs={"on_batch": lambda s: lat.extend(s.last_latencies_ms)},
        daemon=True,
    )
    t.start()
    time.sleep(3)
    sent, t0 = 0, time.monotonic()
    while time.monotonic() - t0 < seconds:
        due = int((time.monotonic() - t0) * rate)
        while sent < due:
            ev = {
                "ts": int(time.time() * 1000),
                "ip": f"81.{sent % 200}.1.{sent % 250 + 1}",
                "mac": f"3c:22:fb:{sent % 97:02x}:{sent % 89:02x}:01",
                "content_id": f"c{sent % 50}",
                "event_id": f"live-{topic}-{sent}",
            }
            producer.send(topic, json.dumps(ev).encode())
            sent += 1
        time.sleep(0.005)
    producer.flush()
    time.sleep(3)
    stop.set()
    t.join(30)
    dead_letter_producer.close()
    producer.close()
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None
    return {
        "rate": rate,
        "sent": sent,
        "measured": len(lat),
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "max_ms": pct(1.0),
    }


def profile_prepare(lines: list[bytes], pseudo) -> str:
    recs = [SourceRecord("view", line, "p", 0, i) for i, line in enumerate(lines)]
    prof = cProfile.Profile()
    now = int(time.time() * 1000)
    t0 = time.perf_counter()
    prof.enable()
    for start in range(0, len(recs), 5000):
        prepare(recs[start : start + 5000], pseudo, now)
    prof.disable()
    per_s = len(recs) / (time.perf_counter() - t0)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(8)
    return f"pure prepare (profiled): {per_s:,.0f} records/s\n" + out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--batch", type=int, default=20000)
    ap.add_argument("--naive-events", type=int, default=3000)
    ap.add_argument("--live-rate", type=float, default=2000)
    ap.add_argument("--live-seconds", type=float, default=30)
    ap.add_argument("--yes", action="store_true", help="allow wiping the graph")
    ap.add_argument("--ingesters", type=int, default=1, help="ingester processes in the consumer group")
    ap.add_argument("--producers", type=int, default=2, help="producer processes sending the world to Kafka")
    ap.add_argument("--compression", default="none", choices=("none", "gzip"), help="of the produced batches")
    ap.add_argument("--worker", nargs=3, metavar=("VIEWS", "CONTENT", "GROUP"))
    args = ap.parse_args()
    if args.worker:
        return worker(*args.worker, args.batch)
    if not args.yes:
        sys.exit("this benchmark empties the configured Neo4j; pass --yes")
    settings = bench_settings()
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    reset(client)
    migrate(client)
    params = WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET)
    views, content = f"bench-views-{uuid.uuid4().hex[:6]}", f"bench-content-{uuid.uuid4().hex[:6]}"
    t0 = time.monotonic()
    # the world is produced as `hausgraph generate --to-kafka` does it: N processes, no compression
    cpu0, broker0 = os.times(), cpu_seconds(server_pids(settings)["kafka"])
    truth, _ = generate_to_kafka(
        params,
        conn.kafka_bootstrap,
        views,
        content,
        compression=None if args.compression == "none" else args.compression,
        producers=args.producers,
    )
    produce_s = time.monotonic() - t0
    cpu1, lines = os.times(), truth["counts"]["lines"]
    gen_us = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / lines * 1e6
    prod_us = (
        (cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system) / lines * 1e6
    )
    broker_us = (cpu_seconds(server_pids(settings)["kafka"]) - broker0) / lines * 1e6
    print(
        f"produce CPU per line (us): generator {gen_us:.0f}, producer processes {prod_us:.0f}, broker "
        f"{broker_us:.0f} ({args.producers} producers, compression {args.compression})"
    )
    print(
        f"produced {truth['counts']['lines']:,} event lines in {produce_s:.0f}s "
        f"({truth['counts']['lines'] / produce_s:,.0f}/s)"
    )
    group = f"bench-{uuid.uuid4().hex[:6]}"
    pids = server_pids(settings)
    server_cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", views, content, group, "--batch", str(args.batch)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(args.ingesters)
    ]
    outs = [p.communicate()[0] for p in procs]
    elapsed = time.monotonic() - t0
    if any(p.returncode for p in procs):
        sys.exit(f"an ingester failed: {[p.returncode for p in procs]}")
    each = [json.loads(o.strip().splitlines()[-1]) for o in outs]
    records = sum(f["records"] for f in each)
    figures = {
        "ingesters": args.ingesters,
        "records": records,
        "seconds": round(elapsed, 1),
        "per_s": round(records / elapsed),
        "peak_rss_mb": max(f["peak_rss_mb"] for f in each),
        "each": each,
    }
    print(f"ingest (batch {args.batch}): {figures}")
    # where the machine's CPU went while ingesting: microseconds per record of each process
    cpu = {name: cpu_seconds(pid) - server_cpu0[name] for name, pid in pids.items()}
    cpu["ingesters"] = sum(f["cpu_s"] for f in each)
    print(
        "cpu per record (us): "
        + ", ".join(f"{k} {v / records * 1e6:.0f}" for k, v in cpu.items())
        + f"; total {sum(cpu.values()) / records * 1e6:.0f}"
        + f" = {sum(cpu.values()) / elapsed:.2f} of {os.cpu_count()} cores"
    )
    sample = next(iter(Generation(params).chunks())).lines[: max(args.naive_events, 100_000)]
    reset(client)
    naive_rate = naive(client, sample[: args.naive_events], pseudonymizer(settings))
    print(
        f"naive one-tx-per-event: {naive_rate:,.0f} events/s; "
        f"batched/naive = {figures['per_s'] / naive_rate:.0f}x"
    )
    print(f"live latency: {live_latency(conn, settings, args.live_rate, args.live_seconds, args.batch)}")
    print(profile_prepare(sample, pseudonymizer(settings)))


if __name__ == "__main__":
    main()
