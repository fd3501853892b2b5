"""A generated world moved to end minutes ago, in Kafka and Neo4j, and the API as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
from kafka import KafkaProducer

from generator.campaigns import campaign_lines
from generator.params import WorldParams
from generator.run import generate_to_dir
from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.topics import ensure_topics
from tests.servers import ROOT

SECRET = "integration-world-secret"  # tests/integration/world.py's, so ingest_dir keys alike


def shifted_world(out: Path, households: int, days: int, seed: int, end_ms: int) -> tuple[WorldParams, dict]:
    """Generate a world and move every valid event so that the world ends at ``end_ms``.

    Invalid lines stay as they are (still invalid); duplicates move with their original.
    """
    params = WorldParams(households=households, days=days, seed=seed, secret=SECRET)
    truth, _ = generate_to_dir(params, out)
    shift = end_ms - params.day_start_ms(days)
    src = (out / "events.jsonl").read_bytes().splitlines()
    moved = []
    for line in src:
        try:
            ev = parse_view(line, now_ms=2**62)
        except InvalidRecord:
            moved.append(line)
            continue
        obj = orjson.loads(line)
        obj["ts"] = ev.ts_ms + shift
        moved.append(orjson.dumps(obj))
    (out / "events.jsonl").write_bytes(b"\n".join(moved) + b"\n")
    for j in truth["follow_up_journeys"]:
        j["seen_ms"] += shift
        j["opened_ms"] += shift
    return params, truth


def produce_world(bootstrap: str, out: Path, params: WorldParams, topics: dict[str, str]) -> None:
    """Content, campaign records and events of ``out`` into their topics (views keyed by device)."""
    ensure_topics(bootstrap, {topics["views"]: 4, topics["content"]: 1, topics["campaigns"]: 1})
    p = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    for line in (out / "content.jsonl").read_bytes().splitlines():
        p.send(topics["content"], value=line, key=orjson.loads(line)["content_id"].encode())
    lines, keys = campaign_lines(params)
    for line, key in zip(lines, keys):
        p.send(topics["campaigns"], value=line, key=key)
    for line in (out / "events.jsonl").read_bytes().splitlines():
        p.send(topics["views"], value=line)
    p.flush()
    p.close()


class ApiProcess:
    """``hausgraph serve`` as a child process on ``port``, with its own environment."""

    def __init__(self, port: int, env: dict[str, str], log: Path) -> None:
        self.port, self.env, self.log = port, env, log
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self, *extra: str) -> subprocess.Popen:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hausgraph", "serve", "--port", str(self.port), *extra],
            env={**os.environ, **self.env},
            cwd=ROOT,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return self.proc

    def wait_ready(self, client: httpx.Client, timeout_s: float = 90, households: bool = True) -> float:
        """Seconds until /health says ready (and the device map is loaded)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout_s:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(
                    f"the API exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}"
                )
            try:
                h = client.get(f"{self.url}/health").json()
                if h["ready"] and (not households or h["households"] > 0):
                    return time.monotonic() - t0
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the API was not ready within {timeout_s} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
