"""The Activation page's data: the running activation API's ``/v1/stats``, turned into plain tables."""

from __future__ import annotations

import httpx
import pandas as pd
import streamlit as st

from dashboards.resources import settings

__all__ = ["api_url", "denials", "per_minute", "per_second", "stats"]


def api_url() -> str:
    s = settings()
    host = "127.0.0.1" if s.api_host in ("0.0.0.0", "::") else s.api_host
    return f"http://{host}:{s.api_port}"


@st.cache_data(ttl=2, show_spinner=False)
def stats() -> dict:
    """The API's counters (raises ``httpx.HTTPError`` when the API is not running)."""
    s = settings()
    token = s.api_tokens.get_secret_value().split(",")[0].strip() if s.api_tokens else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.get(f"{api_url()}/v1/stats", headers=headers, timeout=2)
    r.raise_for_status()
    return r.json()


def per_second(s: dict) -> pd.DataFrame:
    """Decisions and denials per second over the last two minutes (seconds without traffic as 0).

    >>> per_second({"decisions_per_second": [[100, 5, 1], [102, 2, 2]]})["decisions"].tolist()
    [5, 0, 2]
    """
    rows = s.get("decisions_per_second") or []
    if not rows:
        return pd.DataFrame({"decisions": [], "denials": []})
    df = pd.DataFrame(rows, columns=["second", "decisions", "denials"]).set_index("second")
    full = range(int(df.index.min()), int(df.index.max()) + 1)
    df = df.reindex(full, fill_value=0)
    df.index = pd.to_datetime(df.index, unit="s")
    return df


def per_minute(s: dict) -> pd.DataFrame:
    """Follow-up opportunities (follow-up answers with at least one ad) per minute."""
    rows = s.get("follow_up_opportunities_per_minute") or []
    df = pd.DataFrame(rows, columns=["minute", "opportunities"])
    df["minute"] = pd.to_datetime(df["minute"], unit="s")
    return df.set_index("minute")


def denials(s: dict) -> pd.DataFrame:
    """Denials by reason code, most first.

    >>> denials({"denials_by_reason": {"age_min": 1, "frequency_cap": 4}}).index.tolist()
    ['frequency_cap', 'age_min']
    """
    d = s.get("denials_by_reason") or {}
    return pd.DataFrame({"denials": d}).sort_values("denials", ascending=False) if d else pd.DataFrame()
