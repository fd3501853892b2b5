"""A bounded, open-loop HTTP load generator for ``POST /v1/decide`` (run as its own process).

Requests are due at a fixed rate on an absolute schedule (request ``i`` at ``start + i / rate``), whatever
the answers to earlier ones do: a stalled server does not slow the sender down, and every latency is
measured from the request's *due* time to the end of its response, so the time a request waited — for
a free connection, or for the sender itself — is in its latency (no coordinated omission). Besides that
latency the generator reports the time from the actual write (the server's share) and how late its own
sends were (the generator's share): together they tell a slow server from a late load generator.

Kept cheap, so that the client is not what is measured: uvloop, one :class:`asyncio.Protocol` per
keep-alive connection (no stream objects), every request's bytes built before the clock starts, one
request in flight per connection. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import random
import sys
import time

import orjson

__all__ = ["percentiles", "request_bytes", "run"]


def request_bytes(host: str, port: int, body: bytes, token: str | None) -> bytes:
    """One keep-alive ``POST /v1/decide`` with ``body``.

    >>> request_bytes("h", 1, b"{}", None).split(b"\\r\\n")[-3:]
    [b'Content-Length: 2', b'', b'{}']
    """
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"POST /v1/decide HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n{auth}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p90/p99/p99.9/max of ``values`` (seconds) in milliseconds.

    >>> percentiles([0.001] * 99 + [0.5])["p99_ms"], percentiles([0.001] * 99 + [0.5])["max_ms"]
    (500.0, 500.0)
    """
    if not values:
        return {}
    v = sorted(values)

    def q(p: float) -> float:
        return round(v[min(len(v) - 1, int(p * len(v)))] * 1000, 3)

    return {"p50_ms": q(0.5), "p90_ms": q(0.9), "p99_ms": q(0.99), "p999_ms": q(0.999), "max_ms": q(1.0)}


class _Conn(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self, done) -> None:
        self.done = done
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.due = self.sent = 0.0
        self.lost: asyncio.Future = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def send(self, req: bytes, due: float) -> None:
        self.due, self.sent = due, time.perf_counter()
        self.transport.write(req)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            self.buf = buf
            return
        head = buf[:end]
        length, at = 0, head.lower().find(b"content-length:")
        if at >= 0:
            stop = head.find(b"\r\n", at)
            length = int(head[at + 15 : stop if stop > 0 else len(head)])
        if len(buf) < end + 4 + length:
            self.buf = buf
            return
        self.buf = buf[end + 4 + length :]
        self.done(self, int(head[9:12]), time.perf_counter())

    def connection_lost(self, exc) -> None:
        if not self.lost.done():
            self.lost.set_result(exc)


async def run(
    host: str, port: int, rate: float, seconds: float, bodies: list[bytes], token: str | None, conns: int
) -> dict:
    """Send ``rate * seconds`` requests at ``rate``; latencies from due time and from write."""
    loop = asyncio.get_running_loop()
    rng = random.Random(1)
    n = int(rate * seconds)
    reqs = [request_bytes(host, port, b, token) for b in bodies]
    order = [reqs[rng.randrange(len(reqs))] for _ in range(n)]
    free: collections.deque[_Conn] = collections.deque()
    waiting: collections.deque[tuple[bytes, float]] = collections.deque()
    lat_due: list[float] = []
    lat_sent: list[float] = []
    late: list[float] = []
    statuses: collections.Counter = collections.Counter()
    finished = loop.create_future()
    queued = 0

    def done(conn: _Conn, status: int, now: float) -> None:
        lat_due.append(now - conn.due)
        lat_sent.append(now - conn.sent)
        statuses[str(status)] += 1
        if waiting:
            conn.send(*waiting.popleft())
        else:
            free.append(conn)
        if len(lat_due) == n and not finished.done():
            finished.set_result(None)

    for _ in range(conns):
        _, proto = await loop.create_connection(lambda: _Conn(done), host, port)
        free.append(proto)
    gc.collect()
    gc.disable()  # a collection in the client would show up as the server's latency
    start = time.perf_counter() + 0.01
    i = 0
    while i < n:
        now = time.perf_counter()
        while i < n and start + i / rate <= now:
            due = start + i / rate
            late.append(now - due)
            if free:
                free.popleft().send(order[i], due)
            else:
                queued += 1  # every connection busy: waits for the next free one (counted in latency)
                waiting.append((order[i], due))
            i += 1
        if i < n:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
    with contextlib.suppress(TimeoutError):  # what never answered is reported as sent - answered
        await asyncio.wait_for(finished, timeout=30)
    elapsed = time.perf_counter() - start
    gc.enable()
    return {
        "rate": rate,
        "sent": n,
        "answered": len(lat_due),
        "achieved_rps": round(len(lat_due) / elapsed, 1),
        **percentiles(lat_due),
        "from_write": percentiles(lat_sent),
        "send_late": percentiles(late),
        "statuses": dict(statuses),
        "queued": queued,
        "connections": conns,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--rate", type=float, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--bodies", required=True, help="JSON Lines file of request bodies")
    ap.add_argument("--token")
    ap.add_argument("--connections", type=int, default=32)
    a = ap.parse_args()
    with open(a.bodies, "rb") as fh:
        bodies = [line for line in fh.read().splitlines() if line.strip()]
    try:
        from uvloop import new_event_loop
    except ImportError:
        new_event_loop = None
    job = run(a.host, a.port, a.rate, a.seconds, bodies, a.token, a.connections)
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        out = runner.run(job)
    sys.stdout.write(orjson.dumps(out).decode() + "\n")


if __name__ == "__main__":
    main()
