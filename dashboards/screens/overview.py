"""Overview: headline counts, live ingest rate and lag, and the shape of the derived graph."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.auth import ANALYST, current_role
from dashboards.resources import settings
from dashboards.widgets import show_error
from graph.vocabulary import DEVICE_TYPES

st.title("Overview")

STREAMING_WINDOW_MS = 120_000  # a commit this recent means data is streaming in: refresh live


def _now_ms() -> int:
    return int(time.time() * 1000)


def _live() -> None:
    try:
        counts = data.overview_counts()
        progress = data.ingest_progress()
    except Exception as err:  # noqa: BLE001 - shown, not raised
        show_error(err)
        return
    cols = st.columns(6)
    for col, (label, key) in zip(
        cols,
        [
            ("Devices", "devices"),
            ("Networks", "networks"),
            ("Households", "households"),
            ("Social links", "social_links"),
            ("Contents", "contents"),
            ("Events ingested", "events"),
        ],
    ):
        col.metric(label, f"{counts.get(key) or 0:,}")
    stats = progress.get("stats") or []
    valid = sum(s.get("valid") or 0 for s in stats)
    last_commit = max((s.get("last_commit") or 0 for s in stats), default=0)
    now = _now_ms()
    prev = st.session_state.get("ingest_sample")
    rate = None
    if prev and now > prev[1] and valid >= prev[0]:
        rate = (valid - prev[0]) / ((now - prev[1]) / 1000)
    st.session_state["ingest_sample"] = (valid, now)
    lag = data.kafka_lag()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Ingest rate", "—" if rate is None else f"{rate:,.0f} events/s")
    c2.metric(
        "Lag (since last commit)", "never" if not last_commit else f"{(now - last_commit) / 1000:,.0f} s"
    )
    behind = sum(r["lag"] for r in lag["rows"])
    c3.metric(
        "Kafka consumer lag",
        "unreachable" if lag["error"] else f"{behind:,} message{'' if behind == 1 else 's'}",
    )
    c4.metric("Batches committed", f"{sum(s.get('batches') or 0 for s in stats):,}")
    if lag["error"]:
        st.caption(f"Kafka unreachable ({lag['bootstrap'] or 'no address'}): {lag['error']}")
    elif lag["rows"]:
        st.caption(
            "Kafka lag per partition (end − committed by the ingest group): "
            + ", ".join(f"{r['topic']}[{r['partition']}]={r['lag']:,}" for r in lag["rows"])
        )
    else:
        st.caption("Kafka: the ingest topics do not exist yet.")
    offsets = progress.get("offsets") or []
    if offsets:
        st.caption(
            "Offsets stored with the data: "
            + ", ".join(f"{o['topic']}[{o['partition']}]={o['next']:,}" for o in offsets)
        )
    streaming = bool(last_commit) and now - last_commit < STREAMING_WINDOW_MS
    st.session_state["streaming"] = streaming
    if streaming:
        st.caption("Data is streaming in: refreshing every 5 s.")


# Auto-refresh only while data streams in; a still graph is not re-queried every few seconds.
st.fragment(_live, run_every=5 if st.session_state.get("streaming") else None)()

try:
    sizes, mix, genres, classes = (
        data.household_sizes(),
        data.device_mix(),
        data.top_genres(),
        data.network_classes(),
    )
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

if current_role() != ANALYST:  # marketers: no bar stands for fewer than k households
    k = settings().audience_min_households
    sizes, genres = sizes[sizes["households"] >= k], genres[genres["households"] >= k]
    mix = mix[mix["households"] >= k]
    st.caption(f"Groups of fewer than {k} households are not shown.")

left, right = st.columns(2)
with left:
    st.subheader("Household sizes")
    st.bar_chart(sizes.set_index("size")["households"] if not sizes.empty else pd.Series(dtype=int))
    st.subheader("Top genres")
    st.caption("Households with the genre among their top genres (lift against the whole catalogue).")
    st.bar_chart(genres.set_index("genre")["households"] if not genres.empty else pd.Series(dtype=int))
with right:
    st.subheader("Device mix per household size")
    if not mix.empty:
        per = mix.set_index("size")[list(DEVICE_TYPES)].div(mix.set_index("size")["households"], axis=0)
        st.bar_chart(per)
    else:
        st.info("No households yet: run the household job.")
    st.subheader("Shared-network types")
    st.dataframe(classes, hide_index=True, width="stretch")
