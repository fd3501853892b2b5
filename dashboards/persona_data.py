"""Data access of the Personas page: named queries through the seam, cached, plus small pure helpers."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboards.resources import client

__all__ = ["churn_households", "k_anonymous", "persona_shares", "persona_switchers", "persona_transitions"]

LONG = 120  # seconds: changes when the personas job runs


def k_anonymous(count: int, minimum: int) -> str:
    """A household count as a marketer may see it: below the clean-room minimum only "< minimum".

    >>> k_anonymous(12, 50), k_anonymous(1234, 50)
    ('< 50', '1,234')
    """
    return f"< {minimum}" if count < minimum else f"{count:,}"


@st.cache_data(ttl=LONG, show_spinner=False)
def persona_shares(weeks: int = 12) -> pd.DataFrame:
    rows = client().read("dashboards/read_persona_shares", limit=weeks)
    frame = pd.DataFrame(rows, columns=["week", "persona", "devices"])
    frame["week"] = pd.to_datetime(frame["week"], unit="ms").dt.date
    return frame


@st.cache_data(ttl=LONG, show_spinner=False)
def persona_transitions(week_a: int, week_b: int) -> pd.DataFrame:
    rows = client().read("dashboards/read_persona_transitions", week_a=week_a, week_b=week_b)
    return pd.DataFrame(rows, columns=["source", "target", "devices"])


@st.cache_data(ttl=LONG, show_spinner=False)
def persona_switchers(
    source: str, target: str, since: int, lookback: int, limit: int = 500
) -> dict[str, Any]:
    rows = client().read(
        "dashboards/read_persona_switchers",
        source=source,
        target=target,
        since=since,
        lookback=lookback,
        limit=limit,
    )
    return rows[0] if rows else {"devices": 0, "households": 0, "rows": []}


@st.cache_data(ttl=LONG, show_spinner=False)
def churn_households(limit: int = 200) -> list[dict[str, Any]]:
    return client().read("dashboards/read_churn_households", limit=limit)
