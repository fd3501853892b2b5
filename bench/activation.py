"""Activation API speed and memory on a 1,000-household × 14-day world (issue #14).

Under ``flock /tmp/hausgraph-heavy.lock``: the bench's own Kafka (bench/common.py ports), a world moved
to end now, produced into fresh topics with each record stamped at its event time (as an ad server's log
would be), the API as its own process (device map from the world's household assignment, written as a
contract §4 export), and a separate load-generator process (bench/loadgen.py). Prints every figure:

- decide latency at 1,000 req/s for 60 s (p50/p99 at the client) and the highest rate with p99 ≤ 10 ms
- impression visible to the cap after produce (p95)
- server RSS at 1,000 households; bytes per household at 1,000 (tracemalloc) and synthetic 100 k+ (RSS),
  extrapolated to 10 M (bench/activation_memory.py, a process each)
- rebuild after SIGKILL
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import orjson
from kafka import KafkaProducer

from bench.common import PORT_BASE, ROOT, SECRET, bench_settings
from generator.campaigns import campaign_lines
from generator.params import WorldParams
from generator.run import generate_to_dir
from generator.truth import truth_params
from hausgraph.settings import Settings
from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.topics import ensure_topics

#: the API under test (the two scale-out instances use the next two ports); moves with the bench base
PORT = PORT_BASE + 30
OUT = ROOT / "out" / "bench-activation"
#: niceness of the API and load-generator processes (--nice; negative needs root): on a shared box the
#: scheduler, not the service, sets the tail latency, and a second pass at higher priority tells them apart
NICE = 0
#: real-time (SCHED_RR) priority of the load generator (--rt): the pass that shows what the service does
#: when it gets a core the moment it needs one (as on a machine of its own), on the same box
RT = 0


def _niced() -> None:
    if NICE:
        os.nice(NICE)
    if RT:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(RT))


def realtime(pid: int, priority: int) -> None:
    """Every thread of ``pid`` to SCHED_RR ``priority`` (0: back to the default policy)."""
    policy = os.SCHED_RR if priority else os.SCHED_OTHER
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.sched_setscheduler(int(tid), policy, os.sched_param(priority))


def server_share(port: int | None = None, reset: bool = True) -> dict:
    """The API's own figures since the last reset: time in the app per decide and event-loop lag."""
    r = httpx.get(f"http://127.0.0.1:{port or PORT}/v1/latency", params={"reset": reset}, timeout=10)
    return r.json()


def timed_pass(label: str, rate: float, seconds: float, body_file: Path, pid: int) -> dict:
    """One load-generator pass with the server's share and CPU per request beside the client's figures."""
    server_share()
    cpu0, load0 = _cpu(pid), os.getloadavg()[0]
    res = load(rate, seconds, body_file)
    cpu = (_cpu(pid) - cpu0) / max(1, res["answered"]) * 1e6
    srv = server_share()
    print(
        f"decide {label} {rate:.0f} req/s {seconds:.0f} s: client (from due time) p50 {res['p50_ms']} "
        f"p90 {res['p90_ms']} p99 {res['p99_ms']} p99.9 {res['p999_ms']} max {res['max_ms']} ms; "
        f"from write p50 {res['from_write']['p50_ms']} p99 {res['from_write']['p99_ms']} ms; "
        f"sender late p99 {res['send_late']['p99_ms']} ms; queued {res['queued']}; "
        f"achieved {res['achieved_rps']} req/s; statuses {res['statuses']}",
        flush=True,
    )
    print(
        f"  server: in app {srv['decide_in_app']}; loop lag {srv['loop_lag']}; CPU {cpu:.0f} us/request; "
        f"load average {load0:.1f} -> {os.getloadavg()[0]:.1f}; rss {rss_mb(pid):.0f} MB",
        flush=True,
    )
    return res


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def world(households: int, days: int) -> tuple[WorldParams, Path]:
    params = WorldParams(households=households, days=days, seed=1, secret=SECRET)
    saved = OUT / "truth.json"
    if not saved.exists() or orjson.loads(saved.read_bytes())["params"] != truth_params(params):
        generate_to_dir(params, OUT)
    truth = orjson.loads(saved.read_bytes())
    with (OUT / "households.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["device_key", "household_id", "confidence"])
        for d in truth["devices"]:
            w.writerow([d["key"], d["household"], 1.0])
    return params, OUT


def produce(
    bootstrap: str, out: Path, params: WorldParams, topics: dict[str, str], last_days: int
) -> tuple[int, list[str]]:
    """The world's last ``last_days`` days into Kafka, moved to end now and stamped with their event time
    (older days could only be skipped by the rebuild's seek, and producing them costs minutes)."""
    ensure_topics(bootstrap, {topics["views"]: 4, topics["content"]: 1, topics["campaigns"]: 1})
    p = KafkaProducer(
        bootstrap_servers=bootstrap, acks=1, linger_ms=50, batch_size=256 * 1024, compression_type="gzip"
    )
    for line in (out / "content.jsonl").read_bytes().splitlines():
        p.send(topics["content"], value=line)
    for line, key in zip(*campaign_lines(params)):
        p.send(topics["campaigns"], value=line, key=key)
    now = int(time.time() * 1000)
    shift = now - 60_000 - params.day_start_ms(params.days)
    n = 0
    stamp = params.start_ms + shift
    for line in (out / "events.jsonl").read_bytes().splitlines():
        try:
            ev = parse_view(line, now_ms=2**62)
        except InvalidRecord:
            if stamp < now - last_days * 86_400_000:
                continue
            # stamped like its neighbours: one "now" early in the log would defeat offsets_for_times
            p.send(topics["views"], value=line, timestamp_ms=stamp)
            continue
        if ev.ts_ms < params.day_start_ms(params.days - last_days):
            continue
        obj = orjson.loads(line)
        obj["ts"] = ts = ev.ts_ms + shift
        stamp = min(ts, now)
        p.send(topics["views"], value=orjson.dumps(obj), timestamp_ms=stamp)
        n += 1
    p.flush()
    p.close()
    return n, []


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_api(env: dict[str, str], port: int | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "hausgraph", "serve", "--port", str(port or PORT)],
        env={**os.environ, **env},
        stdout=(OUT / "api.log").open("ab"),
        stderr=subprocess.STDOUT,
        preexec_fn=_niced,
    )


def wait_ready(proc: subprocess.Popen, timeout: float = 300, port: int | None = None) -> float:
    port = port or PORT
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"API exited {proc.returncode}; see {OUT / 'api.log'}")
        try:
            h = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
            if time.monotonic() - t0 > timeout - 1:
                print("not ready:", h, flush=True)
            if h["ready"] and h["households"] > 0:
                return time.monotonic() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("API not ready")


def bodies(truth: dict, n: int = 5000) -> Path:
    rng = random.Random(7)
    macs = [d["mac"] for d in truth["devices"]]
    path = OUT / "bodies.jsonl"
    with path.open("wb") as fh:
        for _ in range(n):
            camp = f"cmp-{rng.randrange(30):02d}"
            fh.write(orjson.dumps({"mac": rng.choice(macs), "campaign_id": camp, "ad_id": "ad-x"}) + b"\n")
    return path


def load(rate: float, seconds: float, body_file: Path, port: int | None = None, wait: bool = True):
    """One load-generator process; with ``wait=False`` its Popen (read its stdout for the result)."""
    port = port or PORT
    run = subprocess.run if wait else subprocess.Popen
    kw = {"capture_output": True, "check": True} if wait else {"stdout": subprocess.PIPE}
    out = run(
        [
            sys.executable,
            str(ROOT / "bench" / "loadgen.py"),
            "--port",
            str(port),
            "--rate",
            str(rate),
            "--seconds",
            str(seconds),
            "--bodies",
            str(body_file),
        ],
        text=True,
        preexec_fn=_niced,
        **kw,
    )
    if not wait:
        return out
    return json.loads(out.stdout)


def visibility(bootstrap: str, topic: str, truth: dict, n: int = 40) -> dict:
    """Produce one impression at a time; poll decide until the cap count shows it."""
    rng = random.Random(3)
    p = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=0)
    lags = []
    with httpx.Client(timeout=5) as http:
        for i, d in enumerate(rng.sample(truth["devices"], n)):
            ad = f"ad-28-v{i}"  # a fresh ad each time: the same ad on a device within 2 s counts once
            body = {"mac": d["mac"], "campaign_id": "cmp-28", "ad_id": ad, "reserve": False}
            before = http.post(f"http://127.0.0.1:{PORT}/v1/decide", json=body).json()[
                "impressions_in_window"
            ]
            ev = {
                "ts": int(time.time() * 1000),
                "ip": "81.2.69.160",
                "mac": d["mac"],
                "event": "impression",
                "ad_id": ad,
                "campaign_id": "cmp-28",
                "event_id": uuid.uuid4().hex,
            }
            t0 = time.perf_counter()
            p.send(topic, value=orjson.dumps(ev))
            p.flush()
            while time.perf_counter() - t0 < 10:
                got = http.post(f"http://127.0.0.1:{PORT}/v1/decide", json=body).json()[
                    "impressions_in_window"
                ]
                if got > before:
                    break
                time.sleep(0.005)
            lags.append(time.perf_counter() - t0)
    p.close()
    lags.sort()
    return {
        "n": n,
        "p50_ms": round(lags[n // 2] * 1000, 1),
        "p95_ms": round(lags[int(n * 0.95)] * 1000, 1),
        "max_ms": round(lags[-1] * 1000, 1),
    }


def state_memory(params: WorldParams, sizes: list[int]) -> None:
    """Bytes per household at each size, each in a fresh process (bench/activation_memory.py)."""
    for n in sizes:
        cmd = [
            sys.executable, "-m", "bench.activation_memory", "--world", str(OUT),
            "--world-households", str(params.households), "--world-days", str(params.days),
            "--households", str(n),
        ] + (["--trace"] if n <= 10_000 else [])  # fmt: skip
        t0 = time.monotonic()
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
        print(f"state size ({time.monotonic() - t0:.0f} s)", out.stdout.strip(), flush=True)


def two_instances(env: dict[str, str], truth: dict, seconds: float, rates: list[float]) -> None:
    """Scale-out: two instances over the exposures topic; each load generator sends to the owner."""
    from hausgraph.api.scaleout import Ownership, route_key

    tag = uuid.uuid4().hex[:6]
    ports = [PORT + 1, PORT + 2]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    procs = []
    for i, port in enumerate(ports):
        extra = {
            "HAUSGRAPH_ACTIVATION_GROUP": f"bench-two-{tag}",
            "HAUSGRAPH_TOPIC_EXPOSURES": f"bench-exposures-{tag}",
            "HAUSGRAPH_ACTIVATION_INSTANCE": f"{i}/2",
            "HAUSGRAPH_ACTIVATION_PEERS": ",".join(urls),
        }
        procs.append(start_api({**env, **extra}, port))
    ready = [wait_ready(p, port=port) for p, port in zip(procs, ports)]
    print(f"two instances ready after {max(ready):.1f} s; rss {[round(rss_mb(p.pid)) for p in procs]} MB")
    own = Ownership.parse("0/2", 8, None)
    rng = random.Random(9)
    files = [OUT / f"bodies-{i}.jsonl" for i in range(2)]
    handles = [f.open("wb") for f in files]
    for _ in range(6000):
        d = rng.choice(truth["devices"])
        body = {"mac": d["mac"], "campaign_id": f"cmp-{rng.randrange(30):02d}", "ad_id": "ad-x"}
        handles[own.owner(route_key(d["key"], d["household"]))].write(orjson.dumps(body) + b"\n")
    for h in handles:
        h.close()
    for rate in rates:
        runs = [load(rate / 2, seconds, f, port, wait=False) for f, port in zip(files, ports)]
        res = [json.loads(r.communicate()[0]) for r in runs]
        p99 = max(r["p99_ms"] for r in res)
        print(
            f"two instances {rate:.0f} req/s total",
            [{k: r[k] for k in ("achieved_rps", "p50_ms", "p99_ms")} for r in res],
            flush=True,
        )
        if p99 > 10:
            break
    print(f"two instances rss {[round(rss_mb(p.pid)) for p in procs]} MB", flush=True)
    for p in procs:
        p.send_signal(signal.SIGINT)
        p.wait(20)


def ladder(label: str, rates: str, body_file: Path, pid: int) -> None:
    """10 s at each rate until the client p99 passes 10 ms or the rate is not reached."""
    best = None
    for rate in [float(r) for r in rates.split(",") if r]:
        step = timed_pass(label, rate, 10, body_file, pid)
        if step["p99_ms"] > 10 or step["achieved_rps"] < rate * 0.95:
            break
        best = rate
    print(f"highest rate with client p99 <= 10 ms ({label}): {best}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rates", default="500,1000,1500,2000,3000,4000")
    ap.add_argument(
        "--memory-households", default="1000,100000", help="sizes for the bytes/household figure (synthetic)"
    )
    ap.add_argument("--produce-days", type=int, default=3, help="the world's last days put into Kafka")
    ap.add_argument(
        "--dry-run", action="store_true", help="a tiny pass on the test servers (checks the script)"
    )
    ap.add_argument("--no-two-instances", action="store_true", help="skip the scale-out pass")
    ap.add_argument(
        "--rt",
        type=int,
        default=10,
        help="then again with API and load generator at this SCHED_RR priority (0: no such pass; root)",
    )
    ap.add_argument(
        "--nice",
        type=int,
        default=0,
        help="then again at this niceness of API and load generator (-10: root)",
    )
    a = ap.parse_args()
    global NICE, RT
    from hausgraph.servers import ensure_started

    settings = bench_settings()
    if a.dry_run:
        from tests.servers import isolate_environment, test_ports

        global OUT, PORT
        isolate_environment()
        settings = Settings()
        OUT, PORT = ROOT / "out" / "bench-activation-dry", test_ports().base + 56
    conn = ensure_started(settings)
    params, out = world(a.households, a.days)
    truth = orjson.loads((out / "truth.json").read_bytes())
    tag = uuid.uuid4().hex[:6]
    topics = {k: f"bench-act-{k}-{tag}" for k in ("views", "content", "campaigns")}
    t0 = time.monotonic()
    n, _ = produce(conn.kafka_bootstrap, out, params, topics, a.produce_days)
    print(f"produced {n:,} events in {time.monotonic() - t0:.0f} s", flush=True)
    env = {
        "HAUSGRAPH_PSEUDONYM_SECRET": SECRET,
        "HAUSGRAPH_TOPIC_VIEWS": topics["views"],
        "HAUSGRAPH_TOPIC_CONTENT": topics["content"],
        "HAUSGRAPH_TOPIC_CAMPAIGNS": topics["campaigns"],
        "HAUSGRAPH_ACTIVATION_GROUP": f"bench-act-{tag}",
        "HAUSGRAPH_ACTIVATION_HOUSEHOLDS_FILE": str(out / "households.csv"),
        "KAFKA_BOOTSTRAP_SERVERS": conn.kafka_bootstrap,
        "HAUSGRAPH_STATE_DIR": str(settings.state_dir),
        "HAUSGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "HAUSGRAPH_LOG_LEVEL": "INFO",
    }
    proc = start_api(env)
    print(f"ready after {wait_ready(proc):.1f} s (first start); rss {rss_mb(proc.pid):.0f} MB", flush=True)
    health = httpx.get(f"http://127.0.0.1:{PORT}/health").json()
    print("health", health, flush=True)
    body_file = bodies(truth)
    load(200, 3, body_file)  # warm up
    print("load averages before (1, 5, 15 min; 2 cores shared)", os.getloadavg(), flush=True)
    timed_pass("default scheduling", 1000, a.seconds, body_file, proc.pid)
    ladder("default scheduling", a.rates, body_file, proc.pid)
    if a.rt:
        RT = a.rt
        realtime(proc.pid, RT)
        timed_pass(f"SCHED_RR {RT}", 1000, a.seconds, body_file, proc.pid)
        ladder(f"SCHED_RR {RT}", a.rates, body_file, proc.pid)
        realtime(proc.pid, 0)
        RT = 0
    if a.nice:
        NICE = a.nice
        for tid in os.listdir(f"/proc/{proc.pid}/task"):  # niceness is per thread on Linux
            os.setpriority(os.PRIO_PROCESS, int(tid), NICE)
        timed_pass(f"nice {NICE}", 1000, a.seconds, body_file, proc.pid)
        for tid in os.listdir(f"/proc/{proc.pid}/task"):
            os.setpriority(os.PRIO_PROCESS, int(tid), 0)
        NICE = 0
    print("visibility", visibility(conn.kafka_bootstrap, topics["views"], truth), flush=True)
    print(f"rss after load {rss_mb(proc.pid):.0f} MB", flush=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc = start_api(env)
    print(
        f"rebuild after SIGKILL: ready in {wait_ready(proc):.1f} s; rss {rss_mb(proc.pid):.0f} MB", flush=True
    )
    proc.send_signal(signal.SIGINT)
    proc.wait(20)
    if not a.no_two_instances:
        two_instances(env, truth, 10, [1000, 2000, 3000, 4000])
    state_memory(params, [int(n) for n in a.memory_households.split(",") if n])


if __name__ == "__main__":
    main()
