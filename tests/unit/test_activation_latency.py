"""The API's one-write responses and latency figures, and the load generator's open-loop timing."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from bench.loadgen import run as loadgen_run
from hausgraph.api.latency import OneWriteHttp, Timings, _OneWrite, timed


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str):
        return ("127.0.0.1", 1) if name == "peername" else None


def test_writes_of_one_loop_turn_leave_in_one_write_and_close_flushes_first():
    async def go():
        t = _Transport()
        w = _OneWrite(t, asyncio.get_running_loop())
        w.write(b"head")
        w.write(b"body")
        assert t.writes == []  # nothing until the turn ends
        await asyncio.sleep(0)
        assert t.writes == [b"headbody"]
        w.write(b"last")
        w.close()
        assert t.writes == [b"headbody", b"last"] and t.closed
        assert w.get_extra_info("peername") == ("127.0.0.1", 1)  # everything else passes through

    asyncio.run(go())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app, port: int) -> uvicorn.Server:
    server = uvicorn.Server(
        uvicorn.Config(app, port=port, log_level="error", lifespan="off", http=OneWriteHttp)
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    return server


def test_a_response_sent_as_head_and_body_arrives_in_one_segment_and_its_time_is_recorded():
    async def app(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    timings = Timings()
    port = _free_port()
    server = _serve(timed(app, timings, path="/v1/decide"), port)
    try:
        with socket.create_connection(("127.0.0.1", port)) as c:
            for _ in range(20):
                c.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
                first = c.recv(65536)  # one segment: the head and the body together
                assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"\r\n\r\nok"), first
        report = timings.report(reset=True)
        assert report["decide_in_app"]["n"] == 20 and report["loop_lag"]["n"] >= 0
        assert timings.report()["decide_in_app"] == {"n": 0}

        out = asyncio.run(loadgen_run("127.0.0.1", port, 100, 0.5, [b"{}"], None, 2))
        assert out["answered"] == out["sent"] == 50 and out["statuses"] == {"200": 50}
        assert timings.report()["decide_in_app"]["n"] == 50
    finally:
        server.should_exit = True


def test_the_load_generator_counts_the_wait_behind_a_stall():
    stall = threading.Event()

    async def app(scope, receive, send):
        await receive()
        if not stall.is_set():
            stall.set()
            await asyncio.sleep(0.3)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    port = _free_port()
    server = _serve(app, port)
    try:
        out = asyncio.run(loadgen_run("127.0.0.1", port, 100, 1.0, [b"{}"], None, 1))
    finally:
        server.should_exit = True
    # 100 requests at 100/s over one connection; the first answer takes 300 ms, so ~30 requests queue
    # behind it: measured from their due times, the worst waits ~300 ms and the p90 is well above the
    # service time, while the time from the actual write stays small for all but the first
    assert out["answered"] == 100 and out["queued"] >= 20
    assert out["max_ms"] >= 290 and out["p90_ms"] >= 50
    assert out["from_write"]["p90_ms"] < 50


def test_the_api_process_imports_without_numpy_pandas_or_pyarrow():
    """``python -m hausgraph.api`` marks them absent before any import (memory): nothing the server
    imports may need them (a settings helper that did crashed every start)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for n in ('numpy', 'pandas', 'pyarrow'): sys.modules.setdefault(n, None)\n"
        "import hausgraph.api.server, hausgraph.runtime\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
