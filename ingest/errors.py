"""Exceptions of the ingest package: one root, leaves that carry data."""

from __future__ import annotations

__all__ = ["IngestError", "InvalidRecord", "MissingSecret"]


class IngestError(Exception):
    """Root of every error raised by :mod:`ingest`."""


class InvalidRecord(IngestError):
    """A record broke the contract; ``reason`` is a stable code, ``detail`` a sentence.

    Invalid records are a normal outcome: callers turn them into dead letters.
    """

    def __init__(self, reason: str, detail: str, field: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.field = field


class MissingSecret(IngestError):
    """No pseudonym secret is configured and demo mode is off."""
