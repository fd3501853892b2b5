"""Supervision of the managed servers: notice an exit within seconds, log it, restart with bounded retries.

A managed server whose pid file is still there but whose process is gone has *died* (a crash,
an out-of-memory exit, a kill): the supervisor restarts it with :func:`manager.start`, at most
``max_restarts`` times per ``window_s`` seconds, then gives up on it and says so. A server whose
pid file is gone was stopped on purpose (``hausgraph servers stop``): it is left stopped.

``hausgraph demo`` runs a :class:`Supervisor` in a thread beside its live phase, and
``hausgraph servers supervise`` runs one in the foreground (for systemd: it exits 1 once it has
given up on every server, so the unit's own ``Restart=`` policy can take over).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hausgraph.servers import manager
from hausgraph.servers.errors import ServerError
from hausgraph.servers.layout import SERVER_NAMES, server_paths
from hausgraph.servers.process import read_pid
from hausgraph.settings import Settings

__all__ = ["RestartBudget", "Supervisor", "start_supervisor"]

logger = logging.getLogger(__name__)


@dataclass
class RestartBudget:
    """At most ``max_restarts`` restarts within any ``window_s`` seconds (pure: times come in).

    >>> budget = RestartBudget(max_restarts=2, window_s=60)
    >>> [budget.take(t) for t in (0, 10, 20, 65, 66)]
    [True, True, False, True, False]
    """

    max_restarts: int
    window_s: float
    _times: deque[float] = field(default_factory=deque)

    def take(self, now: float) -> bool:
        """Spend one restart at ``now`` if the window has room; ``False`` when it has none."""
        while self._times and now - self._times[0] >= self.window_s:
            self._times.popleft()
        if len(self._times) >= self.max_restarts:
            return False
        self._times.append(now)
        return True


@dataclass
class _Watch:
    name: str
    budget: RestartBudget
    restarts: int = 0
    given_up: bool = False
    stopped_on_purpose: bool = False
    #: pid of a server whose restart failed: retried next round even though start() removed its pid file
    pending: int | None = None


class Supervisor:
    """Checks the managed servers every ``interval_s`` and restarts the ones that died.

    Parameters
    ----------
    settings
        Which servers are managed, where their state lives, and the supervision knobs
        (``supervise_interval_s``, ``supervise_max_restarts``, ``supervise_window_s``).
    names
        The servers to watch (default both; external ones are never watched).
    say
        Optional callback for one-line human messages (the demo prints them).
    """

    def __init__(
        self,
        settings: Settings,
        names: Sequence[str] = SERVER_NAMES,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.interval_s = settings.supervise_interval_s
        self._say = say or (lambda _m: None)
        self.watches = [
            _Watch(n, RestartBudget(settings.supervise_max_restarts, settings.supervise_window_s))
            for n in names
            if manager.is_managed(settings, n)
        ]

    def _died(self, watch: _Watch) -> int | None:
        """The pid of a server that died (pid file kept, process gone), else ``None``."""
        paths = server_paths(self.settings, watch.name)
        pid = read_pid(paths.pid_file)
        if watch.pending is not None and pid is None:
            return watch.pending
        if pid is None:
            if not watch.stopped_on_purpose:
                logger.info("server stopped on purpose, not restarting name=%s", watch.name)
            watch.stopped_on_purpose = True
            return None
        watch.stopped_on_purpose = False
        running = manager.status(self.settings, [watch.name])[0].running
        return None if running else pid

    def check_once(self) -> list[str]:
        """One round: find dead servers and restart them within budget; returns what happened."""
        events: list[str] = []
        for watch in self.watches:
            if watch.given_up:
                continue
            pid = self._died(watch)
            if pid is None:
                continue
            logger.warning("server exited name=%s pid=%d", watch.name, pid)
            events.append(f"{watch.name} exited (pid {pid})")
            if not watch.budget.take(time.monotonic()):
                watch.given_up = True
                logger.error(
                    "server restarts exhausted name=%s restarts=%d window_s=%.0f",
                    watch.name,
                    watch.budget.max_restarts,
                    watch.budget.window_s,
                )
                events.append(f"{watch.name}: giving up after {watch.budget.max_restarts} restarts")
                continue
            watch.restarts += 1
            self._say(f"[yellow]{watch.name} exited (pid {pid}); restarting (attempt {watch.restarts})[/]")
            try:
                manager.start(self.settings, [watch.name])
            except ServerError as err:
                watch.pending = pid
                logger.error("server restart failed name=%s error=%s", watch.name, type(err).__name__)
                events.append(f"{watch.name}: restart failed: {str(err).splitlines()[0]}")
                continue
            watch.pending = None
            logger.info("server restarted name=%s attempt=%d", watch.name, watch.restarts)
            events.append(f"{watch.name} restarted")
            self._say(f"[green]{watch.name} restarted[/]")
        for event in events:
            if "giving up" in event or "failed" in event:
                self._say(f"[red]{event}[/]")
        return events

    @property
    def exhausted(self) -> bool:
        """Whether the supervisor has given up on every server it watches."""
        return bool(self.watches) and all(w.given_up for w in self.watches)

    def run(self, stop: threading.Event) -> None:
        """Check until ``stop`` is set or every watched server has been given up on."""
        logger.info(
            "supervising names=%s interval_s=%.1f", ",".join(w.name for w in self.watches), self.interval_s
        )
        while not stop.is_set() and not self.exhausted:
            try:
                self.check_once()
            except Exception:  # the watcher must outlive any one bad round
                logger.exception("supervision round failed")
            stop.wait(self.interval_s)


@dataclass
class _Running:
    supervisor: Supervisor
    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop watching (a restart under way finishes first, up to ``timeout_s``)."""
        self.stop_event.set()
        self.thread.join(timeout_s)


def start_supervisor(settings: Settings, say: Callable[[str], None] | None = None) -> _Running:
    """Supervise the managed servers in a daemon thread; call ``.stop()`` on the result to end it."""
    supervisor = Supervisor(settings, say=say)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop,), name="server-supervisor", daemon=True)
    thread.start()
    return _Running(supervisor, thread, stop)
