"""Errors of the Spark engine: a missing engine, or input it cannot read."""

from __future__ import annotations

from graph.errors import GraphError

__all__ = ["InputInvalid", "SparkError", "SparkUnavailable"]


class SparkError(GraphError):
    """Root of the Spark engine's errors."""


class SparkUnavailable(SparkError):
    """``pyspark`` or Java is missing (``what``), with how to get it."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(f"{what} is not available: {hint}")
        self.what = what
        self.hint = hint


class InputInvalid(SparkError):
    """An input directory that is empty or does not have the expected columns (``path``, ``reason``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
