"""Audiences: segment filters, size and composition, CSV export above the clean-room minimum."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.audience import Segment, devices_csv, export_refusal, households_csv
from dashboards.resources import settings
from dashboards.widgets import show_error
from graph.personas import PERSONAS
from graph.vocabulary import DEVICE_TYPES

st.title("Audiences")
minimum = settings().audience_min_households
TYPES = list(DEVICE_TYPES)
EXPORT_CAP = 1_000_000

try:
    genres = data.genres()
    max_size = max(10, int(data.filter_ranges().get("max_size") or 0))
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

c1, c2, c3 = st.columns(3)
genre = c1.selectbox("Genre affinity", ["any", *genres], key="aud_genre")
min_score = c1.slider(
    "Minimum genre lift",
    0.0,
    3.0,
    1.0,
    0.1,
    key="aud_score",
    help="Lift: the household's share of the genre over the catalogue-wide share; 1 is average.",
)
types = c2.multiselect("Has devices of type", TYPES, key="aud_types")
size = c2.slider("Household size", 1, max_size, (1, max_size), key="aud_size")
kids = c3.selectbox("Kids' content", ["any", "yes", "no"], key="aud_kids")
min_degree = c3.number_input("Minimum social links", 0, 100, 0, key="aud_degree")
recency = c3.selectbox("Active within", ["any time", "1 day", "7 days", "30 days"], key="aud_recency")
persona = c1.selectbox("Has a device with persona", ["any", *PERSONAS], key="aud_persona")
age_band = c2.selectbox("Audience includes", ["any", "kid", "teen", "adult", "senior"], key="aud_age")

segment = Segment(
    genre=None if genre == "any" else genre,
    min_score=min_score,
    device_types=tuple(types),
    min_size=size[0],
    max_size=size[1],
    kids={"any": None, "yes": True, "no": False}[kids],
    min_degree=int(min_degree),
    active_days=None if recency == "any time" else int(recency.split()[0]),
    persona=None if persona == "any" else persona,
    age_band=None if age_band == "any" else age_band,
)
# recency is relative to now, rounded to the minute so the cached result is reused
params = segment.params(now_ms=int(time.time() // 60 * 60_000))

try:
    summary = data.audience_summary(params)
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

n = summary.get("households") or 0
m = st.columns(4)
m[0].metric("Households", f"{n:,}")
m[1].metric("Devices", f"{summary.get('devices') or 0:,}")
m[2].metric("Mean size", f"{summary.get('mean_size') or 0:.2f}")
m[3].metric("With kids' content", f"{summary.get('with_kids') or 0:,}")
if n:
    st.subheader("Device mix")
    st.bar_chart(pd.Series({t: summary.get(t) or 0 for t in TYPES}, name="devices"))

st.subheader("Export")
refusal = export_refusal(n, minimum)
if refusal:
    st.error(refusal)
else:
    members = data.audience_members(params, EXPORT_CAP)
    e1, e2 = st.columns(2)
    e1.download_button(
        "Household ids (CSV)",
        households_csv(members),
        "audience_households.csv",
        "text/csv",
        key="export_households",
    )
    e2.download_button(
        "Device keys (CSV)", devices_csv(members), "audience_devices.csv", "text/csv", key="export_devices"
    )
    st.caption(f"{len(members):,} households ready to export (minimum {minimum}).")
