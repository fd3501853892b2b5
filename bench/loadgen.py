"""A bounded, open-loop HTTP load generator for ``POST /v1/decide`` (run as its own process).

Requests are scheduled at a fixed rate; latency is measured at the client from the moment a request
is written to the moment its whole response is read, over keep-alive connections (raw asyncio streams:
an HTTP client library would add more client-side time than the service spends). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

import orjson


def _request(host: str, port: int, body: bytes, token: str | None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST /v1/decide HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n{auth}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> tuple[float, int]:
    t0 = time.perf_counter()
    writer.write(req)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return time.perf_counter() - t0, status


async def run(
    host: str, port: int, rate: float, seconds: float, bodies: list[bytes], token: str | None, conns: int
):
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(await asyncio.open_connection(host, port))
    lat: list[float] = []
    statuses: dict[str, int] = {}
    late = 0
    rng = random.Random(1)
    tasks = []

    async def fire(req: bytes) -> None:
        nonlocal late
        if pool.empty():
            late += 1  # every connection busy: the request waits (counted in its latency)
        t_wait = time.perf_counter()
        r, w = await pool.get()
        waited = time.perf_counter() - t_wait
        try:
            dt, status = await _one(r, w, req)
            lat.append(dt + waited)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        finally:
            pool.put_nowait((r, w))

    start = time.perf_counter()
    n = int(rate * seconds)
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(fire(_request(host, port, rng.choice(bodies), token))))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    lat.sort()

    def q(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 3) if lat else float("nan")

    return {
        "rate": rate,
        "sent": n,
        "achieved_rps": round(n / elapsed, 1),
        "p50_ms": q(0.50),
        "p90_ms": q(0.90),
        "p99_ms": q(0.99),
        "max_ms": q(1.0),
        "statuses": statuses,
        "queued": late,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--bodies", required=True, help="JSON Lines file of request bodies")
    ap.add_argument("--token")
    ap.add_argument("--connections", type=int, default=16)
    a = ap.parse_args()
    with open(a.bodies, "rb") as fh:
        bodies = [line for line in fh.read().splitlines() if line.strip()]
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    out = asyncio.run(run(a.host, a.port, a.rate, a.seconds, bodies, a.token, a.connections))
    sys.stdout.write(orjson.dumps(out).decode() + "\n")


if __name__ == "__main__":
    main()
