"""What the ``hausgraph`` command's logging shows a user."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from hausgraph.__main__ import configure_logging


@pytest.fixture
def shown(monkeypatch):
    """Configure logging as the command does; yields a function returning what the terminal shows."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    root.handlers.clear()
    monkeypatch.setenv("HAUSGRAPH_LOG_LEVEL", "WARNING")
    configure_logging()
    buf = io.StringIO()
    root.handlers[0].console = Console(file=buf, width=200)
    yield buf.getvalue
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


def test_the_drivers_retry_of_a_deadlock_is_not_shown_but_its_other_warnings_are(shown):
    # a live demo: the ingester and a job deadlock now and then, and the driver retries by itself
    logging.getLogger("neo4j.session").warning(
        "Transaction failed and will be retried in %ss (%s)",
        1.15,
        "Neo.TransientError.Transaction.DeadlockDetected",
    )
    logging.getLogger("neo4j.pool").warning("Routing table refresh failed")
    out = shown()
    assert "Routing table refresh failed" in out
    assert "will be retried" not in out
