"""Exceptions of the graph package: one root, leaves that carry data."""

from __future__ import annotations

__all__ = ["GraphError", "JobLocked", "QueryFailed"]


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
    """Another run of ``job`` holds its lock (since ``since``, by ``owner``)."""

    def __init__(self, job: str, owner: str, since: str) -> None:
        super().__init__(f"job {job} is already running (owner {owner}, since {since})")
        self.job = job
        self.owner = owner
        self.since = since
