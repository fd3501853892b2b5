"""With Neo4j unreachable, every page says "graph unavailable" within seconds instead of hanging."""

from __future__ import annotations

import os
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.unavailable import UNAVAILABLE_MESSAGE
from hausgraph.servers.process import port_free

APP = os.path.join(os.path.dirname(__file__), "..", "..", "dashboards", "app.py")


def _closed_port() -> int:
    port = 1
    while not port_free(port + 40000):
        port += 1
    return port + 40000


@pytest.mark.parametrize("page", ["overview", "social", "audiences", "jobs", "quality"])
def test_pages_say_graph_unavailable_when_neo4j_is_down(monkeypatch, page):
    monkeypatch.setenv("NEO4J_URI", f"bolt://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("NEO4J_PASSWORD", "unused")
    monkeypatch.setenv("HAUSGRAPH_PSEUDONYM_SECRET", "s" * 32)
    monkeypatch.setenv("HAUSGRAPH_GRAPH_CONNECT_TIMEOUT_S", "1")
    monkeypatch.delenv("HAUSGRAPH_DASHBOARD_PASSWORD", raising=False)
    monkeypatch.delenv("HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD", raising=False)
    st.config.set_option("server.address", "127.0.0.1")  # no sign-in is allowed on loopback only
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=30)
        started = time.monotonic()
        at.switch_page(f"screens/{page}.py").run()
        took = time.monotonic() - started
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
    assert not at.exception, [e.value for e in at.exception]
    assert any(UNAVAILABLE_MESSAGE in e.value for e in at.error), [e.value for e in at.error]
    assert took < 15
