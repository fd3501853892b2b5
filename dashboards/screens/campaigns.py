"""Campaigns: reach and frequency by household, costs, pacing, device split and duplicate bids — live."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import campaigns as data
from dashboards.campaigns import (
    DEFINITIONS,
    LIVE_S,
    daily_spend,
    mask,
    masked_curve,
    masked_sources,
    masked_table,
)
from dashboards.resources import settings
from dashboards.widgets import show_error

st.title("Campaigns")
k = settings().audience_min_households
st.caption(
    f"Figures refresh every {LIVE_S} s from the ingested ad events. Counts under {k} households are shown "
    f"as “< {k}” (clean-room rule)."
)


def _money(v: float | None, currency: str | None = None) -> str:
    return "—" if v is None else f"{v:,.2f}" + (f" {currency}" if currency else "")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.2%}"


@st.fragment(run_every=LIVE_S)
def live() -> None:
    try:
        reports = data.reports()
    except Exception as err:  # noqa: BLE001
        show_error(err)
        return
    if not reports:
        st.info("No campaign records or ad events yet.")
        return
    hid = f"< {k} households"
    overview = pd.DataFrame(
        [
            {
                "campaign": r["campaign_id"],
                "name": r["name"] or "",
                "households": mask(r["households_reached"], k),
                "impressions": f"{r['impressions']:,}" if r["households_reached"] >= k else hid,
                "spend": _money(r["spend"], r["currency"]) if r["households_reached"] >= k else hid,
                "duplicates": f"{r['duplicates']:,}" if r["households_reached"] >= k else hid,
                "pacing": "—"
                if r["pacing_index"] is None or r["households_reached"] < k
                else f"{r['pacing_index']:.2f}",
            }
            for r in reports
        ]
    )
    st.dataframe(overview, hide_index=True, width="stretch")
    ids = [r["campaign_id"] for r in reports]
    chosen = st.selectbox("Campaign", ids, key="cmp_id")
    try:
        r = data.detail(chosen)
    except Exception as err:  # noqa: BLE001
        show_error(err)
        return
    if r is None:
        st.info("This campaign has no figures yet.")
        return
    cur = r["currency"]
    small = r["households_reached"] < k

    m = st.columns(6)
    hidden = f"< {k} hh"
    m[0].metric("Impressions", hidden if small else f"{r['impressions']:,}", help=DEFINITIONS["Impressions"])
    m[1].metric(
        "Households reached", mask(r["households_reached"], k), help=DEFINITIONS["Households reached"]
    )
    m[2].metric(
        "Devices reached",
        hidden if small else f"{r['devices_reached']:,}",
        help=DEFINITIONS["Devices reached"],
    )
    m[3].metric(
        "Avg frequency",
        "—" if r["avg_frequency"] is None or small else f"{r['avg_frequency']:.2f}",
        help=DEFINITIONS["Avg frequency"],
    )
    m[4].metric(
        "Over the cap", hidden if small else _pct(r["over_cap_share"]), help=DEFINITIONS["Over the cap"]
    )
    m[5].metric(
        "Duplicates (re-sent bids)",
        hidden if small else f"{r['duplicates']:,}",
        help=DEFINITIONS["Duplicates"],
    )
    m = st.columns(6)
    # rates and money of a campaign under k households would give its counts away (spend / rate)
    m[0].metric("CTR", hidden if small else _pct(r["ctr"]), help=DEFINITIONS["CTR"])
    m[1].metric("CVR", hidden if small else _pct(r["cvr"]), help=DEFINITIONS["CVR"])
    m[2].metric("Spend", hidden if small else _money(r["spend"], cur), help=DEFINITIONS["Spend"])
    m[3].metric("eCPM", hidden if small else _money(r["ecpm"]), help=DEFINITIONS["eCPM"])
    m[4].metric(
        "CPC / CPA",
        hidden if small else f"{_money(r['cpc'])} / {_money(r['cpa'])}",
        help=f"CPC: {DEFINITIONS['CPC']}; CPA: {DEFINITIONS['CPA']}",
    )
    m[5].metric(
        "Cost per household",
        hidden if small else _money(r["cost_per_household"]),
        help=DEFINITIONS["Cost per household"],
    )
    if small:
        st.info(f"This campaign reached fewer than {k} households: its figures are hidden.")
    elif r["budget"] is not None:
        st.progress(
            min(max(r["spent_share"] or 0.0, 0.0), 1.0),
            text=f"budget {_money(r['budget'], cur)}: {_pct(r['spent_share'])} spent, "
            f"{_pct(r['elapsed_share'])} of the flight elapsed, pacing {r['pacing_index'] or 0:.2f} "
            f"({DEFINITIONS['Pacing']})",
        )
    else:
        st.info("No campaign record for this id: no budget, rate or cap (spend unknown).")
    with st.expander("Definitions"):
        st.markdown("\n".join(f"- **{name}**: {text}" for name, text in DEFINITIONS.items()))

    c1, c2 = st.columns(2)
    c1.subheader("Reach curve")
    curve = masked_curve(r["reach_curve"], k)
    if small or curve.empty:
        c1.info(f"Fewer than {k} households reached: the curve is hidden.")
    else:
        c1.line_chart(
            curve.set_index("impressions")["households"], x_label="impressions", y_label="households"
        )
    c2.subheader("Frequency per household")
    dist = r["frequency_distribution"]
    c2.bar_chart(pd.Series({b: n if n >= k else 0 for b, n in dist.items()}, name="households"))
    c2.caption(" · ".join(f"{b}: {mask(n, k)}" for b, n in dist.items()))

    st.subheader("Daily spend vs budget")
    spend = daily_spend(r)
    if small or spend.empty or r["spend"] is None:
        st.info("No spend to show.")
    else:
        st.line_chart(spend)

    c1, c2 = st.columns(2)
    c1.subheader("Device split")
    c1.dataframe(masked_table(r["by_device_type"], "type", k), hide_index=True, width="stretch")
    c2.subheader("Duplicates by source")
    c2.dataframe(masked_sources(r["by_source"], k), hide_index=True, width="stretch")


live()
