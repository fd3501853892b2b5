"""Stopping long-running commands: SIGINT and SIGTERM set one event, and children die with their parent.

``demo``, ``ingest``, ``scheduler`` and ``dashboard`` all stop through :func:`stop_on_signals`, so a
signal is honoured within seconds even while a server is down and the work is retrying: every retry
waits on that same event. Child processes are started with :func:`child_dies_with_parent`, so not even
a SIGKILL of hausgraph leaves a Streamlit server holding the port.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["child_dies_with_parent", "leave_now", "spawn_child", "stop_child", "stop_on_signals"]

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def child_dies_with_parent() -> None:
    """``preexec_fn`` for :class:`subprocess.Popen`: the kernel sends SIGTERM when the parent dies.

    Linux only; elsewhere a no-op (the parent's signal handler still stops the child).
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn_child(cmd: Sequence[str], **popen: Any) -> subprocess.Popen:
    """Start ``cmd`` as a child that cannot outlive this process."""
    return subprocess.Popen(list(cmd), preexec_fn=child_dies_with_parent, **popen)


def stop_child(*procs: subprocess.Popen, grace_s: float = 3.0) -> list[int | None]:
    """SIGTERM to every child at once, SIGKILL to those still running after ``grace_s``; exit codes."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace_s
    for proc in procs:
        try:
            proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("child did not stop in time pid=%d; killing it", proc.pid)
            proc.kill()
            proc.wait(grace_s)
    return [proc.returncode for proc in procs]


def leave_now(grace_s: float = 1.0, code: int = 0) -> None:
    """End the process once the orderly stop is done, even if a worker is still blocked.

    A job or write stuck in the driver's own retries (up to 30 s while Neo4j is down) runs in an
    executor thread that the interpreter would join at exit, daemon or not. Nothing is lost by not
    waiting: Kafka offsets are committed only with the data, writes are idempotent and job locks
    are leases. Workers get ``grace_s`` to finish; then output is flushed and the process ends.
    """
    me = threading.current_thread()
    deadline = time.monotonic() + grace_s
    for t in threading.enumerate():
        if t is not me and not t.daemon:
            t.join(max(0.0, deadline - time.monotonic()))
    blocked = [t.name for t in threading.enumerate() if t is not me and t.is_alive() and not t.daemon]
    if blocked:
        log.warning("leaving while workers retry against a server that is down threads=%s", ",".join(blocked))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@contextmanager
def stop_on_signals(on_stop: Callable[[], None] | None = None) -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM for the block; the previous handlers come back after it.

    A second signal while stopping raises :class:`KeyboardInterrupt`, for a user who insists.
    """
    stop = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("stopping signal=%s", signal.Signals(signum).name)
        stop.set()
        if on_stop is not None:
            on_stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
