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
    c = graph_client(s)
    log.info("dashboard connected database=%s", c.database)
    return c


@st.cache_resource
def pseudo() -> Pseudonymizer | None:
    """The pseudonymizer for MAC look-ups, or ``None`` when no secret is configured."""
    try:
        return pseudonymizer(settings())
    except MissingSecret:
        return None
