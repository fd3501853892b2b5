"""Who holds a job's lease, and whether that process is gone (only decidable on the same host)."""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psutil

__all__ = ["ProcessIdentity", "gone_reason", "holder_host_pid", "probe_process", "this_process"]

#: ``probe(pid)``: the process's start time (s since the epoch), ``nan`` when alive but unknown,
#: ``None`` when there is no such (living) process
Probe = Callable[[int], float | None]


@dataclass(frozen=True)
class ProcessIdentity:
    """A process as a lease records it.

    ``boot`` (the kernel's boot id) changes when the machine restarts; ``pidns`` (the pid
    namespace) tells containers that share a host name apart; ``started`` tells a reused pid apart.
    """

    host: str
    pid: int
    boot: str | None = None
    pidns: str | None = None
    started: float | None = None


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip() or None
    except OSError:
        return None


@cache
def _boot_id() -> str | None:
    return _read("/proc/sys/kernel/random/boot_id")


def this_process() -> ProcessIdentity:
    """The identity of the calling process."""
    try:
        pidns = os.readlink("/proc/self/ns/pid")
    except OSError:
        pidns = None
    return ProcessIdentity(
        socket.gethostname(), os.getpid(), _boot_id(), pidns, psutil.Process().create_time()
    )


def probe_process(pid: int) -> float | None:
    """The start time of process ``pid``; ``None`` if it does not exist or is a zombie (killed,
    not yet reaped); ``nan`` if it exists but may not be inspected."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None
    except psutil.AccessDenied:
        return math.nan


def holder_host_pid(holder: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """Host and pid of a lease's holder, from its fields or (older locks) its ``host:pid:token`` owner.

    >>> holder_host_pid({"owner": "vm:22488:ab12cd34", "host": None, "pid": None})
    ('vm', 22488)
    >>> holder_host_pid({"owner": "odd", "host": None, "pid": None})
    (None, None)
    """
    host, pid = holder.get("host"), holder.get("pid")
    if host is None or pid is None:
        parts = str(holder.get("owner") or "").rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None, None
        host, pid = parts[0], int(parts[1])
    return str(host), int(pid)


def gone_reason(holder: Mapping[str, Any], me: ProcessIdentity, probe: Probe = probe_process) -> str | None:
    """Why the lease's holder is certainly gone, or ``None`` when it may be alive (or lives elsewhere).

    >>> me = ProcessIdentity("vm", 1, boot="b1", pidns="pid:[4]", started=100.0)
    >>> held = {"owner": "vm:22488:ab", "host": "vm", "pid": 22488, "boot": "b1",
    ...         "pidns": "pid:[4]", "pid_started": 50.0}
    >>> gone_reason(held, me, probe=lambda pid: None)
    'owner pid 22488 gone'
    >>> gone_reason(held, me, probe=lambda pid: 50.0) is None
    True
    >>> gone_reason(held, me, probe=lambda pid: 90.0)
    'owner pid 22488 gone (pid reused)'
    >>> gone_reason({**held, "boot": "b0"}, me, probe=lambda pid: 50.0)
    'owner pid 22488 gone (host restarted)'
    >>> gone_reason({**held, "host": "other"}, me, probe=lambda pid: None) is None
    True
    >>> gone_reason({**held, "pidns": "pid:[9]"}, me, probe=lambda pid: None) is None
    True
    """
    host, pid = holder_host_pid(holder)
    if host is None or pid is None or host != me.host:
        return None
    boot, pidns = holder.get("boot"), holder.get("pidns")
    if boot and me.boot and boot != me.boot:
        return f"owner pid {pid} gone (host restarted)"
    if pidns and me.pidns and pidns != me.pidns:
        return None  # another container with the same host name: its pids are not ours to probe
    started = probe(pid)
    if started is None:
        return f"owner pid {pid} gone"
    recorded = holder.get("pid_started")
    if recorded is not None and abs(started - float(recorded)) > 1.0:  # nan compares False: alive
        return f"owner pid {pid} gone (pid reused)"
    return None
