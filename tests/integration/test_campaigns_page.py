"""The Campaigns page with Streamlit's AppTest against the real pipeline's graph (60 households, 7 days)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.campaigns import CACHE_S, DEFINITIONS, LIVE_S
from graph.client import GraphClient
from graph.jobs.campaigns import read_campaign_reports
from tests.integration.dash_fixture import RealWorld, app_session, load_real_world

APP = os.path.join(os.path.dirname(__file__), "..", "..", "dashboards", "app.py")


@pytest.fixture(scope="module")
def client_(neo4j_driver, services) -> GraphClient:
    return GraphClient(neo4j_driver, services.neo4j_database, timeout=120)


@pytest.fixture(scope="module")
def world(client_, services, tmp_path_factory) -> Iterator[RealWorld]:
    w = load_real_world(client_, tmp_path_factory.mktemp("campaign-page-world"))
    with app_session(services):
        yield w


def _page(campaign: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("screens/campaigns.py").run()
    if campaign is not None:
        at.selectbox(key="cmp_id").select(campaign).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_shows_masked_figures_to_marketers(world, client_, monkeypatch):
    reports = read_campaign_reports(client_)
    small = min((r for r in reports if r["households_reached"] > 0), key=lambda r: r["households_reached"])
    k = max(50, small["households_reached"] + 1)  # the smallest campaign reaches fewer than k households
    monkeypatch.setenv("HAUSGRAPH_AUDIENCE_MIN_HOUSEHOLDS", str(k))
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = _page(small["campaign_id"])
    finally:
        monkeypatch.undo()
        st.cache_resource.clear()
        st.cache_data.clear()
    m = _metrics(at)
    assert at.title[0].value == "Campaigns"
    assert m["Households reached"] == f"< {k}"
    # every figure of a campaign under k households is hidden: counts, and the money and rates that
    # would give them away (spend / rate = impressions)
    for label in ("Impressions", "Devices reached", "Duplicates (re-sent bids)", "Spend", "CTR", "eCPM",
                  "Over the cap", "Cost per household"):  # fmt: skip
        assert m[label] == f"< {k} hh", (label, m[label])
    frames = [d.value for d in at.dataframe]
    overview = next(f for f in frames if "campaign" in f.columns)
    row = overview[overview["campaign"] == small["campaign_id"]].iloc[0]
    assert (row["impressions"], row["spend"], row["duplicates"]) == (f"< {k} households",) * 3
    sources = next(f for f in frames if "source" in f.columns)
    assert set(sources["duplicates"]) == {f"< {k} households"}
    assert len(at.get("vega_lite_chart")) == 1  # the reach curve and daily spend are hidden too
    # a refresh shows figures at most LIVE_S + CACHE_S (+ the report's own time) old: within 10 s
    assert CACHE_S < LIVE_S and LIVE_S + CACHE_S <= 10


def test_page_figures_equal_the_report_above_the_minimum(world, client_, monkeypatch):
    monkeypatch.setenv("HAUSGRAPH_AUDIENCE_MIN_HOUSEHOLDS", "2")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        best = max(read_campaign_reports(client_), key=lambda r: r["impressions"])
        [top] = read_campaign_reports(client_, best["campaign_id"])
        at = _page(top["campaign_id"])
        m = _metrics(at)
        assert m["Impressions"] == f"{top['impressions']:,}"
        assert m["Households reached"] == f"{top['households_reached']:,}"
        assert m["Devices reached"] == f"{top['devices_reached']:,}"
        assert m["CTR"] == (f"{top['ctr']:.2%}" if top["ctr"] is not None else "—")
        assert m["Spend"].startswith(f"{top['spend']:,.2f}")
        # the device split table and the duplicates by source are there, unmasked above k
        frames = [d.value for d in at.dataframe]
        split = next(f for f in frames if "type" in f.columns)
        want = {
            t["type"]: f"{t['impressions']:,}" for t in top["by_device_type"] if t["households_reached"] >= 2
        }
        assert {t: v for t, v in zip(split["type"], split["impressions"]) if t in want} == want
        sources = next(f for f in frames if "source" in f.columns)
        assert sorted(sources["source"]) == sorted(s["source"] for s in top["by_source"])
        assert m["Duplicates (re-sent bids)"] == f"{top['duplicates']:,}"
        # KPIs carry their definitions; the reach curve, frequency and daily spend charts are drawn
        helps = {x.label: x.proto.help for x in at.metric}
        for label in ("Impressions", "Households reached", "Avg frequency", "Over the cap", "CTR", "Spend"):
            assert helps[label] and helps[label] in DEFINITIONS.values(), label
        assert len(at.get("vega_lite_chart")) == 3
    finally:
        monkeypatch.undo()
        st.cache_resource.clear()
        st.cache_data.clear()
