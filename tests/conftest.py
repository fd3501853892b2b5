"""Every test process is pointed at the tests' own servers before anything reads settings, and
Streamlit's in-process app tests run as local (loopback) use."""

from __future__ import annotations

import pytest

from tests.servers import isolate_environment


def pytest_configure(config: pytest.Config) -> None:
    isolate_environment()
    import streamlit as st

    # AppTest runs the app in this process: it is local use on loopback, where no sign-in is needed
    # (the app refuses to serve other addresses without one; tests of that set the option themselves)
    st.config.get_option("server.address")  # parse Streamlit's config first, or it overrides the option later
    st.config.set_option("server.address", "127.0.0.1")
