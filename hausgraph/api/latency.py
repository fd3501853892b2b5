"""Latency of the API: one write per response, and the server's own share of a request's time.

- :class:`OneWriteHttp` is uvicorn's httptools protocol whose writes within one turn of the event loop
  leave in one ``send``: uvicorn writes a response's head and body separately, two system calls and, on
  loopback, two wake-ups of the client per answer.
- :func:`timed` wraps the ASGI app and records how long each ``/v1/decide`` spent in it, and
  :func:`watch_loop` how late the event loop's timer callbacks run (the process waiting for a core or
  for the interpreter lock). Both are served by ``GET /v1/latency``, so that a load generator's figures
  can be split into the service's time and the time nobody in the service could act on.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["OneWriteHttp", "Timings", "summary", "timed", "watch_loop"]


def summary(values) -> dict[str, float | int]:
    """Count, p50, p99, p99.9 and max of ``values`` (seconds) in milliseconds.

    >>> summary([0.001, 0.002, 0.003, 0.004])
    {'n': 4, 'p50_ms': 3.0, 'p99_ms': 4.0, 'p999_ms': 4.0, 'max_ms': 4.0}
    >>> summary([])
    {'n': 0}
    """
    v = sorted(values)
    if not v:
        return {"n": 0}

    def q(p: float) -> float:
        return round(v[min(len(v) - 1, int(p * len(v)))] * 1000, 3)

    return {"n": len(v), "p50_ms": q(0.5), "p99_ms": q(0.99), "p999_ms": q(0.999), "max_ms": q(1.0)}


class Timings:
    """The last ``keep`` decide durations in the app and event-loop lags (seconds)."""

    def __init__(self, keep: int = 200_000) -> None:
        self.decide: deque[float] = deque(maxlen=keep)
        self.loop_lag: deque[float] = deque(maxlen=keep)
        self.watching = False

    def report(self, reset: bool = False) -> dict:
        out = {"decide_in_app": summary(self.decide), "loop_lag": summary(self.loop_lag)}
        if reset:
            self.decide.clear()
            self.loop_lag.clear()
        return out


def timed(app, timings: Timings, path: str = "/v1/decide", every_s: float = 0.01):
    """``app`` (ASGI) recording the time each request to ``path`` spends in it; starts the loop watcher
    on the first request (the service runs uvicorn without lifespan events)."""

    async def wrapped(scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != path:
            await app(scope, receive, send)
            return
        if not timings.watching:
            timings.watching = True
            asyncio.get_running_loop().create_task(watch_loop(timings, every_s))
        t0 = time.perf_counter()
        try:
            await app(scope, receive, send)
        finally:
            timings.decide.append(time.perf_counter() - t0)

    return wrapped


async def watch_loop(timings: Timings, every_s: float = 0.01) -> None:
    """Sleep ``every_s`` again and again and record how much later than asked each wake-up came."""
    while True:
        t0 = time.perf_counter()
        await asyncio.sleep(every_s)
        timings.loop_lag.append(max(0.0, time.perf_counter() - t0 - every_s))


class _OneWrite:
    """A transport whose writes within one loop turn are joined into one write at the turn's end."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(data)

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


class OneWriteHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol over a :class:`_OneWrite` transport (``uvicorn.run(http=...)``)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_OneWrite(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]
