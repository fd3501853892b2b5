"""Exceptions of the graph package: one root, leaves that carry data."""

from __future__ import annotations

__all__ = ["GraphError", "JobLocked", "LeaseLost", "QueryFailed"]


class GraphError(Exception):
    """Root of every error raised by :mod:`graph`."""


class QueryFailed(GraphError):
    """The server refused or failed a named query; ``message`` is the server's own text."""

    def __init__(self, query_name: str, code: str | None, message: str) -> None:
        super().__init__(f"{query_name}: {message}")
        self.query_name = query_name
        self.code = code
        self.message = message


class JobLocked(GraphError):
    """Another run of ``job`` holds its lease (``owner``, since ``since``; ``expires`` unless renewed)."""

    def __init__(self, job: str, owner: str, since: str, expires: str | None = None) -> None:
        until = f", lease until {expires} unless renewed" if expires else ""
        super().__init__(f"job {job} is already running (owner {owner}, since {since}{until})")
        self.job = job
        self.owner = owner
        self.since = since
        self.expires = expires


class LeaseLost(GraphError):
    """This run of ``job`` no longer holds its lease (generation ``generation``): another run took
    it over (now ``holder``, generation ``current``), so the run's writes are refused."""

    def __init__(self, job: str, generation: int, holder: str | None, current: int | None) -> None:
        super().__init__(
            f"job {job} lost its lease (generation {generation}; now {holder or 'nobody'}, "
            f"generation {current}); its writes are refused"
        )
        self.job = job
        self.generation = generation
        self.holder = holder
        self.current = current
