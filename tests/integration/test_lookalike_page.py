"""The Audiences page's "expand look-alike" with Streamlit's AppTest against the real pipeline's graph:
the ranking is the core's, the seed is never in it, and the clean-room guard holds for marketers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from graph.client import GraphClient
from graph.jobs.propensity import read_inputs
from graph.params import DAY_MS, PropensityParams
from graph.propensity.features import prepare_events
from graph.propensity.lookalike import expand, household_features
from tests.integration.dash_fixture import RealWorld, app_session, graph_facts, load_real_world

APP = os.path.join(os.path.dirname(__file__), "..", "..", "dashboards", "app.py")
K = 15  # a small clean-room minimum, so a 72-household world has seeds and expansions on both sides of it


@pytest.fixture(scope="module")
def client_(neo4j_driver, services) -> GraphClient:
    return GraphClient(neo4j_driver, services.neo4j_database, timeout=120)


@pytest.fixture(scope="module")
def world(client_, services, tmp_path_factory) -> Iterator[RealWorld]:
    w = load_real_world(client_, tmp_path_factory.mktemp("lookalike-page-world"))
    with app_session(services, {"HAUSGRAPH_AUDIENCE_MIN_HOUSEHOLDS": str(K)}):
        yield w
    # the graph is shared with the other page tests: their differencing checks must not see these exports
    graph_facts(client_, "MATCH (a:AuditRecord) WHERE a.filter CONTAINS 'lookalike_of' DETACH DELETE a")


@pytest.fixture(scope="module")
def seed_genre(world, client_) -> tuple[str, list[str]]:
    """A genre whose households (lift >= 1, the page's default) leave more than 2K households outside."""
    total = graph_facts(client_, "MATCH (h:Household) RETURN count(h) AS n")[0]["n"]
    rows = graph_facts(
        client_,
        "MATCH (h:Household)-[l:LIKES]->(g:Genre) WHERE l.score >= 1.0 "
        "RETURN g.name AS g, collect(DISTINCT h.id) AS ids ORDER BY size(ids) DESC, g",
    )
    genre, ids = next((r["g"], r["ids"]) for r in rows if K <= len(r["ids"]) <= total - 2 * K)
    return genre, sorted(ids)


def _texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "error", "warning", "info", "success", "subheader")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def _audiences(at: AppTest | None = None) -> AppTest:
    if at is None:
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
    at.switch_page("screens/audiences.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _expand(at: AppTest, genre: str | None, size: int) -> AppTest:
    if genre is not None:
        at.selectbox(key="aud_genre").select(genre).run()
    at.number_input(key="lal_size").set_value(size).run()
    at.button(key="lal_expand").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _core_ranking(client_: GraphClient, seed: list[str], size: int) -> list[str]:
    events, context = read_inputs(client_)
    end = int(events["ts"].max()) + DAY_MS // 2
    feats = household_features(prepare_events(events), context, end, PropensityParams())
    return expand(feats, seed, size, PropensityParams())["household"].tolist()


def _audits(client_: GraphClient) -> list[dict]:
    rows = graph_facts(client_, "MATCH (a:AuditRecord) RETURN a {.*} AS a ORDER BY a.at")
    return [r["a"] for r in rows if "lookalike_of" in json.loads(r["a"]["filter"])]


def test_analyst_expands_the_segment_to_the_cores_ranking_without_the_seed(world, client_, seed_genre):
    genre, seed = seed_genre
    at = _expand(_audiences(), None, 20)  # the whole graph as the seed: nobody is left to add
    assert "households are outside the seed, fewer than the minimum" in _texts(at)
    assert not [m for m in at.metric if m.label == "Look-alike households"]
    at = _expand(at, genre, 20)
    assert not at.error, [e.value for e in at.error]
    metric = next(m for m in at.metric if m.label == "Look-alike households")
    assert metric.value == "20"
    shown = at.dataframe[-1].value
    assert list(shown["household"]) == _core_ranking(client_, seed, 20)  # the page ranks as the core does
    assert not set(shown["household"]) & set(seed)
    before = len(_audits(client_))
    at.button(key="lal_export").click().run()
    assert "20 look-alike households ready to export" in _texts(at)
    (record,) = _audits(client_)[before:]
    assert record["role"] == "analyst" and record["count"] == 20 and record["action"] == "export"
    assert json.loads(record["filter"])["lookalike_of"]["genre"] == genre
    # below the minimum the page does not offer a size at all
    assert at.number_input(key="lal_size").min == K


def test_marketer_sees_counts_only_and_exports_are_rounded_audited_and_difference_checked(
    world, client_, seed_genre, monkeypatch
):
    genre, seed = seed_genre
    monkeypatch.setenv("HAUSGRAPH_DASHBOARD_PASSWORD", "m-pass")
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        at.text_input[0].input("m-pass")
        at.button[0].click().run()
        at = _audiences(at)
        # a seed under the minimum: refused, and its size is not given away
        small = graph_facts(
            client_,
            "MATCH (h:Household)-[l:LIKES]->(g:Genre) WHERE l.score >= 1.0 "
            "WITH g, count(DISTINCT h) AS n WHERE 2 <= n < $k RETURN g.name AS g, n LIMIT 1",
            k=K,
        )
        if small:
            at = _expand(at, small[0]["g"], 20)
            assert f"the seed segment has fewer than {K} households" in _texts(at)
            assert str(small[0]["n"]) not in [m.value for m in at.metric]
        at = _expand(at, genre, 25)
        assert not at.error, [e.value for e in at.error]
        assert next(m for m in at.metric if m.label == "Look-alike households").value == "20"  # rounded
        assert not at.dataframe or all("similarity" not in d.value.columns for d in at.dataframe)
        before = len(_audits(client_))
        at.button(key="lal_export").click().run()
        assert "20 look-alike households ready to export" in _texts(at)
        (record,) = _audits(client_)[before:]
        assert record["role"] == "marketer" and record["count"] == 20 and len(record["members"]) == 20
        assert record["members"] == sorted(_core_ranking(client_, seed, 25)[:20])  # the top 20, ids only
        assert not set(record["members"]) & set(seed)
        # 30 look-alikes differ from the 20 already exported by 10 households, fewer than K: refused
        at = _expand(at, None, 30)
        at.button(key="lal_export").click().run()
        assert "(differencing)" in _texts(at)
        assert _audits(client_)[-1]["action"] == "export_refused"
    finally:
        monkeypatch.delenv("HAUSGRAPH_DASHBOARD_PASSWORD")
        st.cache_resource.clear()
