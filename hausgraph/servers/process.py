"""Detached JVM processes: pid files, liveness, ports, memory, uptime and stopping."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from hausgraph.private_files import PRIVATE_UMASK

__all__ = [
    "is_alive",
    "port_free",
    "port_open",
    "read_pid",
    "rss_bytes",
    "spawn_detached",
    "stop_process",
    "tail_lines",
    "uptime_s",
    "write_private",
]

logger = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600 from the first byte)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to an existing file


def read_pid(pid_file: Path) -> int | None:
    """Return the pid stored in ``pid_file``, or ``None`` if absent or garbled."""
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _threads(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def _reap(pid: int) -> None:
    # Our own child becomes a zombie until waited for; reaping is harmless otherwise.
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(pid: int | None, marker: str | None = None) -> bool:
    """Whether ``pid`` runs (not a zombie) and its command line contains ``marker``.

    ``marker`` guards against a recycled pid now belonging to an unrelated process.
    """
    if pid is None or pid <= 0:
        return False
    _reap(pid)
    state = _proc_state(pid)
    if state is None:
        return False
    if state in ("Z", "X") and _threads(pid) <= 1:
        # A JVM's leader thread can exit before its other threads: the process shows
        # "Z" yet still runs until the last thread ends, so count the threads too.
        return False
    if marker is None:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return False
    return marker in cmdline


def rss_bytes(pid: int) -> int | None:
    """Resident memory of ``pid`` from ``/proc/<pid>/status`` (``VmRSS``), in bytes."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def uptime_s(pid: int) -> float | None:
    """Seconds since ``pid`` started, from ``/proc/<pid>/stat`` and the boot time."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 overall; fields[0] is field 3
        btime = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    started = btime + start_ticks / os.sysconf("SC_CLK_TCK")
    return max(0.0, time.time() - started)


def port_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether ``host:port`` can be bound right now (SO_REUSEADDR, like the JVMs do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def port_open(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail_lines(path: Path, n: int) -> list[str]:
    """Return the last ``n`` lines of ``path`` (empty if it does not exist)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=n)]
    except OSError:
        return []


def spawn_detached(
    argv: list[str], *, cwd: Path, out_file: Path, pid_file: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session with output appended to ``out_file``.

    The new session makes the process the leader of its own group, so :func:`stop_process`
    can signal the whole group, and Ctrl-C in the launching terminal does not reach it.
    """
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with open(out_file, "ab") as out:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            umask=PRIVATE_UMASK,  # Kafka log segments and the Neo4j store can hold raw identifiers' traces
        )
    write_private(pid_file, f"{proc.pid}\n")
    logger.info("spawned pid=%d main=%s", proc.pid, argv[-1] if argv else "")
    return proc


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def stop_process(pid: int, marker: str | None, timeout_s: float = 60.0) -> bool:
    """SIGTERM the process group of ``pid``, wait, then SIGKILL it.

    Parameters
    ----------
    pid
        A process started by :func:`spawn_detached` (a session and group leader).
    marker
        Passed to :func:`is_alive` so a recycled pid is never signalled.
    timeout_s
        Grace period before SIGKILL (Neo4j needs ~10 s to check-point).

    Returns
    -------
    bool
        ``True`` if a process was stopped, ``False`` if it was not running.
    """
    if not is_alive(pid, marker):
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not is_alive(pid):
            break
        time.sleep(0.2)
    else:
        logger.warning("stop timed out, killing pid=%d waited_s=%.0f", pid, timeout_s)
    # Kill stragglers of the group even when the leader is gone.
    _signal_group(pid, signal.SIGKILL)
    for _ in range(50):
        if not is_alive(pid):
            break
        time.sleep(0.1)
    return True


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` for the block (one starter / downloader at a time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
