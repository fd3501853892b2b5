"""Data quality: dead letters by reason over time, late events, duplicates absorbed."""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.widgets import show_error

st.title("Data quality")

try:
    q = data.ingest_quality()
    dead = data.dead_letters()
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

valid, invalid = q.get("valid") or 0, q.get("invalid") or 0
m = st.columns(5)
m[0].metric("Valid events", f"{valid:,}")
m[1].metric(
    "Dead letters",
    f"{invalid:,}",
    f"{invalid / (valid + invalid):.2%} of input" if valid + invalid else None,
    delta_color="off",
)
m[2].metric("Late events", f"{q.get('late') or 0:,}")
m[3].metric("Duplicates absorbed", f"{q.get('duplicates') or 0:,}")
m[4].metric("New events", f"{q.get('fresh') or 0:,}")

st.subheader("Dead letters by reason over time")
if dead.empty:
    st.info("No dead letters recorded.")
else:
    st.bar_chart(dead.pivot_table(index="day", columns="reason", values="count", aggfunc="sum").fillna(0))
    st.dataframe(
        dead.groupby("reason", as_index=False)["count"].sum().sort_values("count", ascending=False),
        hide_index=True,
        width="stretch",
    )
