"""Data access of the pages: named queries from ``cypher/dashboards`` through the seam, cached with TTLs.

Every function returns plain data or a :class:`pandas.DataFrame`; pages never see the driver.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.resources import client, settings
from graph.vocabulary import DEVICE_TYPES

__all__ = [
    "audience_members",
    "audience_summary",
    "audit",
    "clear",
    "dead_letters",
    "device_mix",
    "exported_members",
    "filter_ranges",
    "find_household",
    "genres",
    "household_graph",
    "household_sizes",
    "household_timeline",
    "ingest_progress",
    "ingest_quality",
    "job_runs",
    "kafka_lag",
    "network_classes",
    "overview_counts",
    "social_graph",
    "top_genres",
]

SHORT = 10  # seconds: live numbers
LONG = 120  # seconds: derived graph data, changes when jobs run


def _read(name: str, **params: Any) -> list[dict[str, Any]]:
    return client().read(f"dashboards/{name}", **params)


@st.cache_data(ttl=SHORT, show_spinner=False)
def overview_counts() -> dict[str, Any]:
    rows = _read("read_overview_counts")
    return rows[0] if rows else {}


@st.cache_data(ttl=2, show_spinner=False)
def ingest_progress() -> dict[str, Any]:
    rows = _read("read_ingest_progress")
    return rows[0] if rows else {"stats": [], "offsets": []}


@st.cache_data(ttl=5, show_spinner=False)
def kafka_lag() -> dict[str, Any]:
    """Consumer lag of the ingest group per partition (``rows``), or ``error`` when Kafka cannot be asked."""
    from dashboards.kafka_lag import consumer_lag
    from hausgraph.servers import resolve_connections

    s = settings()
    try:
        bootstrap = resolve_connections(s).kafka_bootstrap
    except Exception as err:  # noqa: BLE001 - no connection settings is "unreachable" too
        return {"rows": [], "error": f"{type(err).__name__}: {err}", "bootstrap": None}
    report = consumer_lag(bootstrap, s.consumer_group, [s.topic_views, s.topic_content])
    return {"rows": report.rows, "error": report.error, "bootstrap": bootstrap}


@st.cache_data(ttl=LONG, show_spinner=False)
def household_sizes() -> pd.DataFrame:
    return pd.DataFrame(_read("read_household_sizes"), columns=["size", "households"])


@st.cache_data(ttl=LONG, show_spinner=False)
def device_mix() -> pd.DataFrame:
    cols = ["size", *DEVICE_TYPES, "households"]
    return pd.DataFrame(_read("read_device_mix"), columns=cols)


@st.cache_data(ttl=LONG, show_spinner=False)
def top_genres(limit: int = 15) -> pd.DataFrame:
    return pd.DataFrame(_read("read_top_genres", limit=limit), columns=["genre", "households", "mean_score"])


@st.cache_data(ttl=LONG, show_spinner=False)
def network_classes() -> pd.DataFrame:
    cols = ["class", "networks", "home_networks", "shared_by_households"]
    return pd.DataFrame(_read("read_network_classes"), columns=cols)


@st.cache_data(ttl=LONG, show_spinner=False)
def filter_ranges() -> dict[str, Any]:
    """Largest household size and heaviest social link (visits), for the filter widgets' ranges."""
    rows = _read("read_filter_ranges")
    return rows[0] if rows else {}


@st.cache_data(ttl=LONG, show_spinner=False)
def genres(limit: int = 500) -> list[str]:
    return [r["genre"] for r in _read("read_genres", limit=limit)]


@st.cache_data(ttl=LONG, show_spinner=False)
def find_household(household: str | None = None, device: str | None = None) -> dict[str, Any] | None:
    rows = _read("find_household", household=household, device=device)
    return rows[0]["household"] if rows else None


@st.cache_data(ttl=LONG, show_spinner=False)
def household_graph(household: str, limit: int, top_content: int = 12) -> dict[str, Any] | None:
    """The household's neighbourhood; only its ``top_content`` most watched titles (by seconds) are drawn."""
    rows = _read("read_household_graph", household=household, limit=limit, top_content=top_content)
    return rows[0] if rows else None


@st.cache_data(ttl=LONG, show_spinner=False)
def household_timeline(household: str, limit: int = 2000) -> pd.DataFrame:
    cols = ["hour", "device", "type", "network_class", "events"]
    df = pd.DataFrame(_read("read_household_timeline", household=household, limit=limit), columns=cols)
    df["hour"] = pd.to_datetime(df["hour"], unit="ms", utc=True)
    return df


@st.cache_data(ttl=LONG, show_spinner=False)
def social_graph(
    genre: str | None, min_size: int, max_size: int, min_weight: float, limit: int
) -> dict[str, Any]:
    rows = _read(
        "read_social_graph",
        genre=genre,
        min_size=min_size,
        max_size=max_size,
        min_weight=min_weight,
        limit=limit,
    )
    return rows[0] if rows else {"total": 0, "nodes": [], "edges": []}


@st.cache_data(ttl=LONG, show_spinner=False)
def audience_summary(segment: dict[str, Any]) -> dict[str, Any]:
    rows = _read("read_audience_summary", **segment)
    return rows[0] if rows else {"households": 0}


@st.cache_data(ttl=LONG, show_spinner=False)
def audience_members(segment: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    return _read("read_audience_members", limit=limit, **segment)


@st.cache_data(ttl=SHORT, show_spinner=False)
def job_runs(per_job: int = 10) -> pd.DataFrame:
    rows = [r["run"] for r in _read("read_job_runs", per_job=per_job)]
    cols = ["job", "id", "status", "started", "ended", "counts", "params", "error", "duration_s"]
    cols += ["abandoned_by"]  # set on a run closed by a take-over
    df = pd.DataFrame(rows, columns=cols)
    # a running job has no duration yet: its time so far
    df["duration_s"] = df["duration_s"].fillna(
        (df["ended"].fillna(time.time() * 1000) - df["started"]) / 1000.0
    )
    for c in ("started", "ended"):
        df[c] = pd.to_datetime(df[c], unit="ms", utc=True)
    return df


@st.cache_data(ttl=SHORT, show_spinner=False)
def dead_letters(limit: int = 2000) -> pd.DataFrame:
    return pd.DataFrame(_read("read_dead_letters", limit=limit), columns=["day", "reason", "count"])


@st.cache_data(ttl=SHORT, show_spinner=False)
def ingest_quality() -> dict[str, Any]:
    rows = _read("read_ingest_quality")
    return rows[0] if rows else {}


def audit(
    who: str,
    role: str,
    action: str,
    filter_: dict[str, Any],
    count: int | None = None,
    household: str | None = None,
    members: list[str] | None = None,
) -> None:
    """Write one audit record (an export or a look-up) before the result is shown; never cached."""
    client().run_write(
        "dashboards/write_audit_record",
        at=int(time.time() * 1000),
        who=who,
        role=role,
        action=action,
        filter=json.dumps(filter_, sort_keys=True, default=str),
        count=count,
        household=household,
        members=members,
    )


def exported_members(since_ms: int) -> list[set[str]]:
    """The household sets of marketers' exports since ``since_ms`` (not cached: the check must be current)."""
    return [set(r["members"]) for r in _read("read_export_members", since=since_ms)]


def clear() -> None:
    """Forget every cached result (after running a job)."""
    st.cache_data.clear()
