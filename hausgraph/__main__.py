"""Entry point of the ``hausgraph`` command: logging is configured here and only here."""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["main"]


def configure_logging() -> None:
    from rich.logging import RichHandler

    level = os.environ.get("HAUSGRAPH_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=level, format="%(name)s %(message)s", handlers=[RichHandler(show_path=False)])
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
