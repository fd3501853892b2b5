"""Activation: the ad-decision API's traffic — decisions per second, denials by reason, capped campaigns,
follow-up opportunities per minute (from the running ``hausgraph serve``)."""

from __future__ import annotations

import httpx
import pandas as pd
import streamlit as st

from dashboards import activation

st.title("Activation")
try:
    s = activation.stats()
except httpx.HTTPError:
    st.info(
        f"The activation API does not answer on {activation.api_url()}. Start it with `hausgraph serve` "
        "(`make demo` starts it)."
    )
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Decisions", f"{s['decisions']:,}")
c2.metric("Allowed", f"{s['allowed']:,}")
c3.metric("Denied", f"{s['decisions'] - s['allowed']:,}")
c4.metric("Follow-up opportunities", f"{s['follow_up_opportunities']:,}", help="follow-up answers with an ad")

st.subheader("Decisions per second")
st.line_chart(activation.per_second(s), height=220)
left, right = st.columns(2)
with left:
    st.subheader("Denials by reason")
    d = activation.denials(s)
    if d.empty:
        st.caption("No denials yet.")
    else:
        st.bar_chart(d, height=240)
with right:
    st.subheader("Campaigns hitting their cap")
    capped = s.get("campaigns_capped") or {}
    if capped:
        st.dataframe(
            pd.DataFrame({"campaign": list(capped), "capped decisions": list(capped.values())}),
            hide_index=True,
            use_container_width=True,
        )
    else:
        st.caption("No campaign has hit its cap yet.")
st.subheader("Follow-up opportunities per minute")
st.bar_chart(activation.per_minute(s), height=200)
st.caption(
    f"State: {s['devices_in_state']:,} devices with recent exposures or viewing, "
    f"{s['households']:,} households, {s['campaigns']:,} campaigns, "
    f"{s['duplicates']:,} duplicate impressions ignored."
)
