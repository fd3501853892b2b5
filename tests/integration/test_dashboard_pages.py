"""Every page of the dashboard, driven with Streamlit's AppTest against a real Neo4j holding the demo graph."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from graph.admin import migrate, reset
from graph.client import GraphClient
from tests.integration.dash_fixture import SECRET, DemoWorld, demo_world, load_demo_graph

APP = os.path.join(os.path.dirname(__file__), "..", "..", "dashboards", "app.py")
PAGES = ["overview", "household", "social", "audiences", "jobs", "quality", "console"]


@pytest.fixture(scope="module")
def world(neo4j_driver, services) -> Iterator[DemoWorld]:
    """The demo graph (80 households) loaded once for the module, and the app's environment pointing at it."""
    client = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    reset(client)
    migrate(client)
    w = demo_world(80)
    load_demo_graph(client, w)
    env = {"NEO4J_URI": services.neo4j_uri, "NEO4J_USER": services.neo4j_user,
           "NEO4J_PASSWORD": services.neo4j_password, "NEO4J_DATABASE": services.neo4j_database,
           "HAUSGRAPH_PSEUDONYM_SECRET": SECRET}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("HAUSGRAPH_DASHBOARD_PASSWORD", raising=False)
        st.cache_resource.clear()
        st.cache_data.clear()
        yield w
        st.cache_resource.clear()
        st.cache_data.clear()


def _page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if name != "overview":
        at.switch_page(f"screens/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _iframes(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", "") in ("iframe", "components_html")] or \
        [e for e in at.get("iframe")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_errors(world, page):
    at = _page(page)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value


def test_overview_counts_the_graph(world):
    at = _page("overview")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Households"] == "80"
    assert metrics["Devices"] == f"{len(world.rows['devices']):,}"
    assert metrics["Social links"] == f"{len(world.rows['links']):,}"
    assert "Lag (since last commit)" in metrics


def test_household_explorer_by_id_draws_the_household(world):
    at = _page("household")
    at.text_input(key="find_value").input("hh-00003")
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Household hh-00003" in _texts(at)
    assert "showing" in _texts(at)
    members = [m for m in world.rows["members"] if m["household"] == "hh-00003"]
    frame = at.dataframe[0].value
    assert sorted(frame["device"]) == sorted(m["device"] for m in members)
    assert frame["evidence"].str.contains("home_network_hours").all()


def test_household_explorer_turns_a_typed_mac_into_the_key(world):
    member = next(m for m in world.rows["members"] if m["household"] == "hh-00011")
    mac = world.macs[member["device"]].upper().replace(":", "-")  # another notation of the same MAC
    at = _page("household")
    at.radio(key="find_by").set_value("MAC address").run()
    at.text_input(key="find_value").input(mac)
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    assert "Household hh-00011" in _texts(at)
    assert at.text_input(key="find_value").value == ""  # the MAC does not linger in the widget
    for key in ("find_value", "household_id", "find_message"):
        if key in at.session_state:
            assert mac.lower() not in str(at.session_state[key]).lower()


def test_household_explorer_unknown_device_says_so(world):
    at = _page("household")
    at.radio(key="find_by").set_value("Device key").run()
    at.text_input(key="find_value").input("0" * 32)
    at.button[0].click().run()
    assert "No household found." in _texts(at)


def test_social_graph_says_how_many_it_shows(world):
    at = _page("social")
    assert "showing" in _texts(at) and "households" in _texts(at)
    at.slider(key="social_cap").set_value(10).run()
    assert "**showing 10 of" in _texts(at)


def test_audience_export_is_offered_above_the_minimum(world):
    at = _page("audiences")
    assert at.metric[0].value == "80"
    assert not at.error
    assert "80 households ready to export" in _texts(at)


def test_audience_export_is_refused_below_the_minimum(world):
    at = _page("audiences")
    at.slider(key="aud_size").set_value((4, 10)).run()
    n = sum(1 for h in world.households if h["size"] >= 4)
    assert 0 < n < 50
    assert at.metric[0].value == str(n)
    assert f"export refused: the segment has {n} households, fewer than the minimum of 50" in _texts(at)
    assert "ready to export" not in _texts(at)


def test_jobs_show_last_runs_and_guard_run_now(world):
    import graph.jobs

    at = _page("jobs")
    labels = {m.label: m.value for m in at.metric}
    assert labels == {"affinity": "succeeded", "households": "succeeded", "social": "succeeded"}
    assert len(at.dataframe[0].value) == 9
    if not hasattr(graph.jobs, "run_job"):
        assert "graph.jobs.run_job does not exist" in _texts(at)


def test_data_quality_shows_late_and_duplicates(world):
    at = _page("quality")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Late events"] == "740" and metrics["Duplicates absorbed"] == "1,500"
    total = sum(d["count"] for d in world.rows["dead"])
    assert at.dataframe[0].value["count"].sum() == total


def _console(at: AppTest, query: str, params: str = "{}") -> AppTest:
    at.text_area(key="console_query").input(query)
    at.text_area(key="console_params").input(params)
    at.button(key="console_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_console_runs_a_read_query_with_parameters(world):
    at = _console(_page("console"), "MATCH (h:Household) WHERE h.size >= $s RETURN h.id AS id ORDER BY id LIMIT $n",
                  '{"s": 1, "n": 5}')
    assert not at.error
    assert list(at.dataframe[0].value["id"]) == [f"hh-{i:05d}" for i in range(5)]


def test_console_draws_returned_nodes_as_a_graph(world):
    at = _console(_page("console"), "MATCH p = (:Household {id: 'hh-00001'})-[:HOME_NETWORK]->() RETURN p")
    assert not at.error
    assert "showing 2 of 2 nodes" in _texts(at)


@pytest.mark.parametrize("query", [
    "CREATE (x:Intruder {at: 1})",
    "MERGE (x:Intruder {at: 1}) RETURN x",
    "MATCH (h:Household) SET h.size = 99",
    "CALL () { CREATE (x:Intruder) } IN TRANSACTIONS OF 10 ROWS",
    "CALL { CREATE (x:Intruder) } IN TRANSACTIONS",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "load  csv with headers from 'https://example.org/x.csv' as r return r",
    "CALL apoc.load.json('https://example.org/x.json') YIELD value RETURN value",
    "CALL dbms.listConfig()",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
])
def test_console_refuses_anything_but_a_read(world, neo4j_driver, services, query):
    at = _console(_page("console"), query)
    assert at.error, f"not refused: {query}"
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (x:Intruder) RETURN count(x) AS n", database_=services.neo4j_database)
    assert records[0]["n"] == 0
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (h:Household {size: 99}) RETURN count(h) AS n", database_=services.neo4j_database)
    assert records[0]["n"] == 0


def test_console_shows_server_errors_as_messages(world):
    at = _console(_page("console"), "MATCH (n RETURN n")
    assert at.error and "Invalid input" in at.error[0].value
    at = _console(_page("console"), "RETURN 1", "[1, 2]")
    assert "parameters must be a JSON object" in at.error[0].value


def test_console_loads_saved_queries_and_keeps_history(world):
    at = _page("console")
    at.selectbox(key="console_saved").select("analyst/top_social_households").run()
    assert "SOCIAL_LINK" in at.text_area(key="console_query").value
    assert at.text_area(key="console_params").value == '{"limit": 25}'
    at.button(key="console_run").click().run()
    assert not at.error
    assert len(at.dataframe[0].value) == 25
    assert at.session_state["console_history"][0]["outcome"].startswith("25 rows")


def test_password_sign_in_hides_the_console_from_marketers(world, monkeypatch):
    monkeypatch.setenv("HAUSGRAPH_DASHBOARD_PASSWORD", "open sesame")
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        assert at.text_input[0].label == "Password" and not at.metric
        at.text_input[0].input("wrong")
        at.button[0].click().run()
        assert "Wrong password." in _texts(at)
        at.text_input[0].input("open sesame")
        at.button[0].click().run()
        assert not at.exception
        assert {m.label for m in at.metric} >= {"Households"}
        try:
            at.switch_page("screens/console.py").run()
        except Exception:  # noqa: BLE001 - not a page of a marketer's navigation
            pass
        else:
            assert not at.title or at.title[0].value != "Cypher console"
    finally:
        monkeypatch.delenv("HAUSGRAPH_DASHBOARD_PASSWORD")
        st.cache_resource.clear()
