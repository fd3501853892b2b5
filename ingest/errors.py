"""Exceptions of the ingest package: one root, leaves that carry data."""

from __future__ import annotations

__all__ = ["DeadLetterSendFailed", "IngestError", "InvalidRecord", "MissingSecret"]


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


class DeadLetterSendFailed(IngestError):
    """Dead letters could not be stored: the batch must not be committed (it is tried again)."""

    def __init__(self, topic: str, letters: int, cause: str) -> None:
        super().__init__(f"dead letters not stored topic={topic} letters={letters} error={cause}")
        self.topic = topic
        self.letters = letters
        self.cause = cause
