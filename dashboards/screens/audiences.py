"""Audiences: segment filters, size and composition, audited CSV export above the clean-room minimum.

Marketers see counts below the minimum as "< k" and the rest rounded, export household ids only
(rounded in number, refused when they differ from an earlier export by fewer than k households);
analysts see exact counts and may export device keys. Every export is written to an audit record.
"Expand look-alike" ranks the other households by resemblance to the current segment, under the same
rules (a seed and an expansion of at least k households for marketers, counts only, guarded export).
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.audience import (
    Segment,
    devices_csv,
    difference_refusal,
    export_refusal,
    households_csv,
    marketer_count,
    rounded_members,
)
from dashboards.auth import ANALYST, MARKETER, current_role, current_user
from dashboards.lookalike import expand_segment, expansion_refusal, export_rows, lookalike_features
from dashboards.resources import settings
from dashboards.widgets import show_error
from graph.campaigns.affluence import AFFLUENCE_DEFINITION
from graph.personas import PERSONAS
from graph.vocabulary import DEVICE_TYPES

st.title("Audiences")
minimum = settings().audience_min_households
TYPES = list(DEVICE_TYPES)
EXPORT_CAP = 1_000_000
DIFFERENCE_WINDOW_MS = 365 * 86_400_000  # earlier marketer exports checked for differencing
marketer = current_role() != ANALYST  # fail closed: anything but an analyst is a marketer here

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
min_affluence = c1.slider(
    "Minimum affluence", 0.0, 1.0, 0.0, 0.05, key="aud_affluence", help=AFFLUENCE_DEFINITION
)
c1.caption(AFFLUENCE_DEFINITION)
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
    min_affluence=min_affluence or None,
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
small = n < minimum


def _count(value) -> str:
    return marketer_count(value, minimum) if marketer else f"{value or 0:,}"


m = st.columns(4)
m[0].metric("Households", _count(n))
m[1].metric("Devices", _count(summary.get("devices")))
m[2].metric("Mean size", "—" if marketer and small else f"{summary.get('mean_size') or 0:.2f}")
m[3].metric("With kids' content", _count(summary.get("with_kids")))
if n and not (marketer and small):
    st.subheader("Device mix")
    mix = {t: summary.get(t) or 0 for t in TYPES}
    if marketer:
        mix = {t: (v if v >= minimum else 0) for t, v in mix.items()}
        st.caption(f"Device types on fewer than {minimum} devices are shown as 0.")
    st.bar_chart(pd.Series(mix, name="devices"))

filter_ = {k: v for k, v in params.items() if k != "active_since"} | {"active_days": segment.active_days}


def _lookalike() -> None:
    """Expand the current segment; a refusal is a message, and the page goes on to its own export."""
    st.subheader("Expand look-alike")
    st.caption(
        "Ranks every household outside this segment by how much it resembles it (genre shares, device "
        "mix, recent ad behaviour; standardised) and offers the closest ones as a new audience."
    )
    want = int(
        st.number_input("Look-alike households", minimum, EXPORT_CAP, max(minimum, 500), 10, key="lal_size")
    )
    if not st.button("Expand look-alike", key="lal_expand"):
        return
    seed = [m["household"] for m in data.audience_members(params, EXPORT_CAP)]
    known = lookalike_features().index
    n_seed = int(known.isin(seed).sum())
    pool = len(known) - n_seed
    refusal = expansion_refusal(n_seed, min(want, pool), pool, minimum, marketer)
    if refusal:
        st.session_state.pop("lal_ready", None)
        st.error(refusal)
        return
    ranked = expand_segment(seed, min(want, pool))
    st.session_state["lal_ready"] = {"filter": filter_, "size": want, "ranked": ranked}


_lookalike()
lal = st.session_state.get("lal_ready")
if lal and lal["filter"] == filter_ and lal["size"] == st.session_state.get("lal_size"):
    ranked = lal["ranked"]
    st.metric("Look-alike households", _count(len(ranked)))
    if not marketer:
        st.dataframe(ranked.head(50), hide_index=True)
    if st.button("Prepare look-alike export", key="lal_export"):
        rows = export_rows(ranked, marketer)
        lal_filter = {"lookalike_of": filter_, "size": lal["size"]}
        ids = set(rows["household"])
        refused = None
        if marketer:
            since = int(time.time() * 1000) - DIFFERENCE_WINDOW_MS
            refused = difference_refusal(ids, data.exported_members(since), minimum)
        role_ = MARKETER if marketer else ANALYST
        data.audit(
            current_user(),
            role_,
            "export_refused" if refused else "export",
            lal_filter,
            len(rows),
            members=sorted(ids) if marketer and not refused else None,
        )
        lal["export"] = None if refused else rows.to_csv(index=False)
        lal["refused"] = refused
    if lal.get("refused"):
        st.error(lal["refused"])
    elif lal.get("export"):
        st.download_button(
            "Look-alike household ids (CSV)",
            lal["export"],
            "lookalike_households.csv",
            "text/csv",
            key="lal_download",
        )
        st.caption(
            f"{lal['export'].count(chr(10)) - 1:,} look-alike households ready to export (minimum {minimum})."
        )

st.subheader("Export")
if marketer:
    st.caption(
        f"Household ids only, rounded down to a multiple of 10; refused below {minimum} households or "
        f"when it differs from an earlier export by fewer than {minimum}. Every export is audited."
    )
refusal = export_refusal(n, minimum)
if refusal:
    st.error(refusal if not marketer else f"export refused: the segment has fewer than {minimum} households")
    st.stop()

if st.button("Prepare export", key="export_prepare"):
    members = data.audience_members(params, EXPORT_CAP)
    if marketer:
        members = rounded_members(members)
        ids = {m["household"] for m in members}
        since = int(time.time() * 1000) - DIFFERENCE_WINDOW_MS
        refused = difference_refusal(ids, data.exported_members(since), minimum)
        if refused:
            data.audit(current_user(), MARKETER, "export_refused", filter_, len(members))
            st.session_state.pop("export_ready", None)
            st.error(refused)
            st.stop()
        data.audit(current_user(), MARKETER, "export", filter_, len(members), members=sorted(ids))
        st.session_state["export_ready"] = {
            "households": households_csv(members),
            "count": len(members),
            "filter": filter_,
        }
    else:
        data.audit(current_user(), ANALYST, "export", filter_, len(members))
        st.session_state["export_ready"] = {
            "households": households_csv(members),
            "devices": devices_csv(members),
            "count": len(members),
            "filter": filter_,
        }

ready = st.session_state.get("export_ready")
if ready and ready["filter"] == filter_:  # an export prepared for other filters is not offered
    e1, e2 = st.columns(2)
    e1.download_button(
        "Household ids (CSV)",
        ready["households"],
        "audience_households.csv",
        "text/csv",
        key="export_households",
    )
    if "devices" in ready and not marketer:
        e2.download_button(
            "Device keys (CSV)", ready["devices"], "audience_devices.csv", "text/csv", key="export_devices"
        )
    st.caption(f"{ready['count']:,} households ready to export (minimum {minimum}).")
