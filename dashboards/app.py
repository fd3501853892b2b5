"""Entry file of the hausgraph app: sign-in, then ``st.navigation`` over the pages the role may see."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.auth import ANALYST, role
from dashboards.resources import settings
from dashboards.unavailable import run_page

# not "pages/": that directory name switches on Streamlit's legacy file-list sidebar
_PAGES = Path(__file__).parent / "screens"

st.set_page_config(page_title="hausgraph", layout="wide")

_s = settings()
user_role = role(
    _s.dashboard_password.get_secret_value() if _s.dashboard_password else None,
    _s.dashboard_analyst_password.get_secret_value() if _s.dashboard_analyst_password else None,
    st.get_option("server.address"),
    _s.sign_in_backoff_max_s,
)

overview = st.Page(_PAGES / "overview.py", title="Overview", url_path="overview")


def _home() -> None:
    """``/`` opens the overview at its own URL, so ``/overview`` (bookmarked, shared) answers too."""
    st.switch_page(overview)


explore = [overview]
if user_role == ANALYST:  # single households: never for marketers (not even by URL)
    explore.append(st.Page(_PAGES / "household.py", title="Household explorer", url_path="household"))
explore += [
    st.Page(_PAGES / "social.py", title="Social graph", url_path="social"),
    st.Page(_PAGES / "audiences.py", title="Audiences", url_path="audiences"),
    st.Page(_PAGES / "personas.py", title="Personas", url_path="personas"),
]
pages = {
    # Streamlit serves the default page at "/" only: a hidden default that forwards keeps both URLs
    "": [st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden")],
    "Explore": explore,
    "Operate": [
        st.Page(_PAGES / "jobs.py", title="Jobs", url_path="jobs"),
        st.Page(_PAGES / "quality.py", title="Data quality", url_path="quality"),
    ],
}
pages["Operate"].append(st.Page(_PAGES / "activation.py", title="Activation", url_path="activation"))
pages["Explore"].append(st.Page(_PAGES / "campaigns.py", title="Campaigns", url_path="campaigns"))
if user_role == ANALYST:
    pages["Analyse"] = [st.Page(_PAGES / "console.py", title="Cypher console", url_path="console")]

run_page(st.navigation(pages))
