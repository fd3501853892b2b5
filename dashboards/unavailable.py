"""Pages run behind one guard: while Neo4j is down or restarting, a page says so instead of hanging."""

from __future__ import annotations

import logging
from typing import Protocol

import streamlit as st
from neo4j.exceptions import ServiceUnavailable, SessionExpired

__all__ = ["GRAPH_DOWN", "UNAVAILABLE_MESSAGE", "run_page"]

log = logging.getLogger(__name__)

#: driver errors that mean "the server does not answer", not "the query is wrong"
GRAPH_DOWN: tuple[type[Exception], ...] = (ServiceUnavailable, SessionExpired)

UNAVAILABLE_MESSAGE = (
    "Graph unavailable: Neo4j does not answer right now (it may be restarting). "
    "This page works again as soon as it is back; reload in a few seconds."
)


class _Page(Protocol):
    def run(self) -> None: ...


def run_page(page: _Page) -> None:
    """Run ``page``; if Neo4j cannot be reached, show :data:`UNAVAILABLE_MESSAGE` instead of a traceback."""
    try:
        page.run()
    except GRAPH_DOWN as err:
        log.warning("graph unavailable error=%s", type(err).__name__)
        st.error(UNAVAILABLE_MESSAGE, icon="⚠️")
