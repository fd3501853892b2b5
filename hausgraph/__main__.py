"""Entry point of the ``hausgraph`` command: logging is configured here and only here."""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["RetriedTransients", "main"]


class RetriedTransients(logging.Filter):
    """Drops the Neo4j driver's note that it will retry a transient error (a deadlock between two
    writers, a leader switch), unless the log level is DEBUG: the driver retries by itself, and one
    that finally fails raises, which our commands report. A live demo otherwise fills the terminal.

    >>> rec = logging.LogRecord("neo4j.session", logging.WARNING, "", 0,
    ...                         "Transaction failed and will be retried in %ss (%s)", (1.1, "deadlock"), None)
    >>> RetriedTransients().filter(rec), RetriedTransients(debug=True).filter(rec)
    (False, True)
    """

    def __init__(self, debug: bool = False) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        retried = record.name.startswith("neo4j") and str(record.msg).startswith(
            "Transaction failed and will be retried"
        )
        return self.debug or not retried


def configure_logging() -> None:
    from rich.logging import RichHandler

    level = os.environ.get("HAUSGRAPH_LOG_LEVEL", "WARNING").upper()
    handler = RichHandler(show_path=False)
    handler.addFilter(RetriedTransients(debug=level == "DEBUG"))
    logging.basicConfig(level=level, format="%(name)s %(message)s", handlers=[handler])
    # The clients' own chatter (metadata refreshes, selector timing) is not the user's business;
    # their real failures surface as exceptions that our commands report.
    for noisy in ("kafka", "neo4j"):
        logging.getLogger(noisy).setLevel(
            max(logging.CRITICAL if noisy == "kafka" else logging.WARNING, logging.getLogger().level)
        )


def main() -> None:
    from hausgraph.private_files import private_umask

    # Kafka segments, dead letters, generated worlds and exports hold raw or pseudonymous
    # identifiers: everything this process and the servers it starts create is owner-only.
    private_umask()

    if sys.argv[1:2] == ["serve"]:
        # the activation API runs lean: without the CLI's analytics imports (memory, start-up time)
        from hausgraph.api.__main__ import main as serve

        sys.exit(serve(sys.argv[2:]))
    configure_logging()
    from hausgraph.cli import app

    app()


if __name__ == "__main__":
    main()
