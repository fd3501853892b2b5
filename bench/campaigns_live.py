"""Benchmark: how stale the campaign figures are during live ingest at the demo's rate (target <= 10 s).

    python bench/campaigns_live.py --seconds 120 [--rate 50]

Runs on the benchmark's servers and the graph ``bench/campaigns.py`` loaded (1,000 x 28 world). Streams
the demo's live feed (``generator.live.stream_live`` at ``--rate`` events/s, the demo's 50 by default)
into fresh Kafka topics while hausgraph's Kafka ingest loop writes them to Neo4j and the scheduler runs
the ``campaigns`` job incrementally (as the demo does). Every ``--every`` seconds it produces a probe
burst for a probe campaign: 4 impressions 3 s apart (not duplicates) of a new device, which puts one
more unit over the default cap (3 per hour). Two readers, each in its own process (the page runs in
Streamlit's): one reads the report of every campaign every ``LIVE_S`` seconds like the page's refresh
(``read_campaign_reports``, what a marketer sees), one only the probe campaign's counts every 0.5 s
(the graph's own lag: ingest's commit, and the cap job for the units over the cap). Lag = when a reader
first sees the burst counted (impressions; units over the cap) - when Kafka acknowledged it. Prints
p50/p95/max as JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import SECRET, bench_settings  # noqa: E402
from dashboards.campaigns import CACHE_S, LIVE_S  # noqa: E402
from generator.live import stream_live  # noqa: E402
from generator.params import WorldParams  # noqa: E402
from generator.sinks import KafkaSink  # noqa: E402
from graph.jobs.campaigns import read_campaign_reports  # noqa: E402
from graph.jobs.schedule import build_scheduler  # noqa: E402
from hausgraph.runtime import graph_client, kafka_ingest_loop  # noqa: E402
from hausgraph.servers import ensure_started  # noqa: E402
from ingest.topics import ensure_topics  # noqa: E402

PROBE = "cmp-live-probe"
BURST = 4  # impressions per probe device: one over the default cap of 3 per hour


def _burst(n: int, now_ms: int) -> list[bytes]:
    mac = "02:00:" + ":".join(f"{n >> s & 255:02x}" for s in (24, 16, 8, 0))
    out = []
    for i in range(BURST):
        ev = {"ts": now_ms - (BURST - 1 - i) * 3000, "ip": f"81.2.{n % 200 + 1}.{i + 10}", "mac": mac,
              "event": "impression", "device_type": "tv", "ad_id": "ad-probe", "campaign_id": PROBE,
              "source": "bench-probe", "event_id": f"probe-{n}-{i}"}  # fmt: skip
        out.append(json.dumps(ev).encode())
    return out


def _pct(xs: list[float]) -> dict[str, float | int | None]:
    if not xs:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    s = sorted(xs)
    return {
        "n": len(s),
        "p50": round(statistics.median(s), 2),
        "p95": round(s[min(len(s) - 1, int(0.95 * len(s)))], 2),
        "max": round(s[-1], 2),
    }


def read_loop(period: float, probe_only: bool, stop, out) -> None:
    """In its own process (the page runs in Streamlit's, not in the ingester's): poll every ``period``
    s and put ``(seen_at, impressions, over_cap, query_s)`` of the probe campaign on ``out``."""
    settings = bench_settings()
    client = graph_client(settings, ensure_started(settings))
    while not stop.is_set():
        t = time.time()
        if probe_only:  # the probe campaign's counts only: the graph's own lag
            totals = client.read("campaigns/read_campaign_totals", campaign=PROBE)
            cap = client.read("campaigns/read_stored_over_cap", campaign=PROBE)
            over = cap[0]["over_cap"] if cap else 0
            probe = {"impressions": totals[0]["impressions"], "over_cap": over} if totals else None
        else:  # what the page and the CLI read: the report of every campaign
            probe = next((r for r in read_campaign_reports(client) if r["campaign_id"] == PROBE), None)
        done = time.time()
        if probe is not None:
            out.put((done, probe["impressions"], probe["over_cap"], done - t))
        stop.wait(max(0.0, period - (time.time() - t)))
    out.put(None)


def _lags(obs: list[tuple], sent: list[float]) -> dict[str, dict]:
    seen_imp: dict[int, float] = {}
    seen_cap: dict[int, float] = {}
    for done, imp, over, _ in sorted(obs):
        for i in range(min(imp // BURST, len(sent))):
            seen_imp.setdefault(i, done)
        for i in range(min(over, len(sent))):
            seen_cap.setdefault(i, done)
    return {
        "impressions_s": _pct([seen_imp[i] - sent[i] for i in sorted(seen_imp)]),
        "over_cap_s": _pct([seen_cap[i] - sent[i] for i in sorted(seen_cap)]),
        "query_s": _pct([o[3] for o in obs]),
    }


def _drain(q) -> list[tuple]:
    obs = []
    while (item := q.get(timeout=60)) is not None:
        obs.append(item)
    return obs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000, help="the live world (the loaded world's size)")
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--rate", type=float, default=50.0, help="live events/s (the demo's default: 50)")
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--every", type=float, default=2.0, help="seconds between probe bursts")
    ap.add_argument("--cap-every", type=int, default=5, help="seconds between incremental campaigns runs")
    args = ap.parse_args()
    run = uuid.uuid4().hex[:6]
    settings = bench_settings().model_copy(
        update={
            "topic_views": f"live-{run}",
            "topic_content": f"live-{run}.content",
            "topic_campaigns": f"live-{run}.campaigns",
            "topic_dlq": f"live-{run}.dlq",
            "consumer_group": f"live-{run}",
            "ingest_poll_timeout_ms": 500,
        }
    )
    conn = ensure_started(settings)
    client = graph_client(settings, conn)
    ensure_topics(conn.kafka_bootstrap, {settings.topic_views: 1, settings.topic_content: 1,
                                         settings.topic_campaigns: 1})  # fmt: skip
    stop = threading.Event()
    params = WorldParams(households=args.households, days=args.days, seed=1, secret=SECRET)
    feed = KafkaSink(conn.kafka_bootstrap, settings.topic_views)
    probes = KafkaSink(conn.kafka_bootstrap, settings.topic_views)
    loop, producer = kafka_ingest_loop(settings, conn, client)
    sched = build_scheduler(
        client, {"campaigns:incremental": args.cap_every}, say=lambda m: None, background=True
    )
    live = {"params": params, "sink": feed, "rate": args.rate, "forever": True, "stop": stop}
    threads = [
        threading.Thread(target=stream_live, kwargs=live, daemon=True),
        threading.Thread(target=loop.run, args=(stop,), daemon=True),
    ]
    for t in threads:
        t.start()
    sched.start()
    time.sleep(10)  # the feed's world is built and the ingester has joined its group
    sent: list[float] = []
    ctx = mp.get_context("spawn")
    mstop = ctx.Event()
    queues = [ctx.Queue(), ctx.Queue()]
    readers = [
        ctx.Process(target=read_loop, args=(LIVE_S, False, mstop, queues[0]), daemon=True),
        ctx.Process(target=read_loop, args=(0.5, True, mstop, queues[1]), daemon=True),
    ]
    for r in readers:
        r.start()
    rng = random.Random(7)
    t_end = time.time() + args.seconds
    n = 0
    while time.time() < t_end:
        probes.write(_burst(n + rng.randrange(1 << 20) * 1000, int(time.time() * 1000)), None)
        probes.flush()
        sent.append(time.time())
        n += 1
        time.sleep(args.every)
    time.sleep(20)  # the last bursts become visible
    mstop.set()
    page, graph = (_drain(q) for q in queues)
    stop.set()
    sched.shutdown(wait=False)
    for t in threads:
        t.join(10)
    for r in readers:
        r.join(10)
    producer.close()
    out = {
        "rate_events_s": args.rate,
        "seconds": args.seconds,
        "bursts": len(sent),
        "ingested_fresh": loop.stats.fresh,
        "graph_lag": _lags(graph, sent),
        "page_lag": _lags(page, sent),
        "page_refresh_s": LIVE_S,
        "page_cache_s": CACHE_S,
        "target_s": 10,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
