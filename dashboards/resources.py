"""Long-lived objects of the app process, each built once: settings, the graph client, the pseudonymizer."""

from __future__ import annotations

import logging

import streamlit as st

from graph.client import GraphClient
from hausgraph.runtime import graph_client, pseudonymizer
from hausgraph.settings import Settings
from ingest.errors import MissingSecret
from ingest.pseudonym import Pseudonymizer

__all__ = ["client", "pseudo", "settings"]

log = logging.getLogger(__name__)


@st.cache_resource
def settings() -> Settings:
    """The app's settings, read from the environment once (the app's ``__main__``)."""
    return Settings()


@st.cache_resource
def client() -> GraphClient:
    """The one driver of the app process, wrapped in the database seam."""
    s = settings()
    wait = s.graph_connect_timeout_s
    # short waits everywhere: while Neo4j is down or restarting, pages say "graph unavailable"
    # within seconds (dashboards.unavailable) instead of hanging in the driver's 30 s retries
    c = graph_client(
        s,
        connection_timeout=wait,
        connection_acquisition_timeout=2 * wait,
        max_transaction_retry_time=wait,
    )
    log.info("dashboard connected database=%s", c.database)
    return c


@st.cache_resource
def pseudo() -> Pseudonymizer | None:
    """The pseudonymizer for MAC look-ups, or ``None`` when no secret is configured."""
    try:
        return pseudonymizer(settings())
    except MissingSecret:
        return None
