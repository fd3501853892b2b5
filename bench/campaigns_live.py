"""Benchmark: how stale the campaign figures are during live ingest at the demo's rate (target <= 10 s).

    python bench/campaigns_live.py --seconds 120 [--rate 50]

Runs on the benchmark's servers and the graph ``bench/campaigns.py`` loaded (1,000 x 28 world). Streams
the demo's live feed (``generator.live.stream_live`` at ``--rate`` events/s, the demo's 50 by default)
into fresh Kafka topics while hausgraph's Kafka ingest loop writes them to Neo4j and the scheduler runs
the ``campaigns`` job incrementally (as the demo does). Every ``--every`` seconds it produces a probe
burst for a probe campaign: 4 impressions 3 s apart (not duplicates) of a new device, which puts one
more unit over the default cap (3 per hour). Two readers poll the report of every campaign (the page's
and the CLI's ``read_campaign_reports``): one back to back (the source's lag), one every ``LIVE_S``
seconds like the page's refresh (what a marketer sees). Lag = when a reader first sees the burst
counted (impressions; units over the cap) - when Kafka acknowledged it; a third reader polls only the
probe campaign's counts every 0.2 s (the graph's own lag: ingest commit, and the cap job for units over
the cap). Prints p50/p95/max as JSON.
"""

from __future__ import annotations

import argparse
import json
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


class Reader(threading.Thread):
    """Polls the report of every campaign every ``period`` s; records when each burst became visible."""

    def __init__(
        self, client, sent: list[float], period: float, stop: threading.Event, probe_only: bool = False
    ) -> None:
        super().__init__(daemon=True)
        self.client, self.sent, self.period, self.stop = client, sent, period, stop
        self.probe_only = probe_only  # read the probe campaign's counts only: the graph's own lag
        self.seen_imp: dict[int, float] = {}
        self.seen_cap: dict[int, float] = {}
        self.query_s: list[float] = []

    def run(self) -> None:
        while not self.stop.is_set():
            t = time.time()
            probe = self._probe()
            done = time.time()
            self.query_s.append(done - t)
            if probe is not None:
                for i in range(min(probe["impressions"] // BURST, len(self.sent))):
                    self.seen_imp.setdefault(i, done)
                for i in range(min(probe["over_cap"], len(self.sent))):
                    self.seen_cap.setdefault(i, done)
            self.stop.wait(max(0.0, self.period - (time.time() - t)))

    def _probe(self) -> dict | None:
        if self.probe_only:
            totals = self.client.read("campaigns/read_campaign_totals", campaign=PROBE)
            cap = self.client.read("campaigns/read_stored_over_cap", campaign=PROBE)
            if not totals:
                return None
            return {"impressions": totals[0]["impressions"], "over_cap": cap[0]["over_cap"] if cap else 0}
        return next((r for r in read_campaign_reports(self.client) if r["campaign_id"] == PROBE), None)

    def lags(self, seen: dict[int, float]) -> list[float]:
        return [seen[i] - self.sent[i] for i in sorted(seen)]


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
    readers = [
        Reader(client, sent, 0.0, stop),
        Reader(client, sent, LIVE_S, stop),
        Reader(client, sent, 0.2, stop, probe_only=True),
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
    stop.set()
    sched.shutdown(wait=False)
    for t in threads + readers:
        t.join(10)
    producer.close()
    fast, page, graph = readers
    out = {
        "rate_events_s": args.rate,
        "seconds": args.seconds,
        "bursts": len(sent),
        "ingested_fresh": loop.stats.fresh,
        "report_query_s": _pct(fast.query_s),
        "graph_lag_impressions_s": _pct(graph.lags(graph.seen_imp)),
        "graph_lag_over_cap_s": _pct(graph.lags(graph.seen_cap)),
        "source_lag_impressions_s": _pct(fast.lags(fast.seen_imp)),
        "source_lag_over_cap_s": _pct(fast.lags(fast.seen_cap)),
        "page_lag_impressions_s": _pct(page.lags(page.seen_imp)),
        "page_lag_over_cap_s": _pct(page.lags(page.seen_cap)),
        "page_refresh_s": LIVE_S,
        "page_cache_s": CACHE_S,
        "target_s": 10,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
