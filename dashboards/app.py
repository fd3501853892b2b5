"""Entry file of the hausgraph app: sign-in, then ``st.navigation`` over the page files."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.auth import ANALYST, role
from dashboards.resources import settings

# not "pages/": that directory name switches on Streamlit's legacy file-list sidebar
_PAGES = Path(__file__).parent / "screens"

st.set_page_config(page_title="hausgraph", layout="wide")

_password = settings().dashboard_password
user_role = role(_password.get_secret_value() if _password else None)

overview = st.Page(_PAGES / "overview.py", title="Overview", url_path="overview")


def _home() -> None:
    """``/`` opens the overview at its own URL, so ``/overview`` (bookmarked, shared) answers too."""
    st.switch_page(overview)


pages = {
    # Streamlit serves the default page at "/" only: a hidden default that forwards keeps both URLs
    "": [st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden")],
    "Explore": [
        overview,
        st.Page(_PAGES / "household.py", title="Household explorer", url_path="household"),
        st.Page(_PAGES / "social.py", title="Social graph", url_path="social"),
        st.Page(_PAGES / "audiences.py", title="Audiences", url_path="audiences"),
        st.Page(_PAGES / "personas.py", title="Personas", url_path="personas"),
    ],
    "Operate": [
        st.Page(_PAGES / "jobs.py", title="Jobs", url_path="jobs"),
        st.Page(_PAGES / "quality.py", title="Data quality", url_path="quality"),
    ],
}
if user_role == ANALYST:
    pages["Analyse"] = [st.Page(_PAGES / "console.py", title="Cypher console", url_path="console")]

st.navigation(pages).run()
