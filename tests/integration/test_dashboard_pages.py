"""Every page of the dashboard, driven with Streamlit's AppTest against a real Neo4j holding a graph made by
the real pipeline: a generated world (60 households, 7 days), ingested, then every graph job run."""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from graph.client import GraphClient
from graph.jobs import JOBS
from tests.integration.dash_fixture import RealWorld, app_session, graph_facts, load_real_world

APP = os.path.join(os.path.dirname(__file__), "..", "..", "dashboards", "app.py")
PAGES = [
    "overview",
    "household",
    "social",
    "audiences",
    "personas",
    "jobs",
    "quality",
    "console",
    "activation",
]


@pytest.fixture(scope="module")
def graph_client_(neo4j_driver, services) -> GraphClient:
    return GraphClient(neo4j_driver, services.neo4j_database, timeout=120)


@pytest.fixture(scope="module")
def world(graph_client_, services, tmp_path_factory) -> Iterator[RealWorld]:
    """The real pipeline's graph loaded once for the module, and the app's environment pointing at it."""
    w = load_real_world(graph_client_, tmp_path_factory.mktemp("dash-world"))
    with app_session(services):
        yield w


@pytest.fixture(scope="module")
def facts(world, graph_client_) -> dict:
    """What the graph itself says, read directly (not through the app's queries)."""
    q = lambda text, **p: graph_facts(graph_client_, text, **p)
    return {
        "households": q("MATCH (h:Household) RETURN count(h) AS n")[0]["n"],
        "devices": q("MATCH (d:Device) RETURN count(d) AS n")[0]["n"],
        "links": q("MATCH ()-[s:SOCIAL_LINK]->() RETURN count(s) AS n")[0]["n"],
        # the household with most members, and the members of each household
        "big": q(
            "MATCH (d:Device)-[:MEMBER_OF]->(h:Household) RETURN h.id AS id, collect(d.key) AS devices "
            "ORDER BY size(devices) DESC, id LIMIT 1"
        )[0],
        "linked": q(
            "MATCH (h:Household)-[s:SOCIAL_LINK]-(o:Household) RETURN h.id AS id, collect(o.id) AS others "
            "ORDER BY size(others) DESC, id LIMIT 1"
        )[0],
        "sizes": {r["size"]: r["n"] for r in q("MATCH (h:Household) RETURN h.size AS size, count(h) AS n")},
        "stats": q(
            "MATCH (s:IngestStats) RETURN sum(s.late) AS late, sum(s.duplicates) AS duplicates, "
            "sum(s.invalid) AS invalid"
        )[0],
        "dead": q("MATCH (x:DeadLetterCount) RETURN sum(x.count) AS n")[0]["n"],
    }


def _page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    if name != "overview":
        at.switch_page(f"screens/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def _iframes(at: AppTest) -> list:
    return [e for e in at.main if getattr(e, "type", "") in ("iframe", "components_html")] or [
        e for e in at.get("iframe")
    ]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_errors(world, page):
    at = _page(page)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value


def test_overview_counts_the_graph(world, facts):
    at = _page("overview")
    metrics = {m.label: m.value for m in at.metric}
    assert facts["households"] > 20  # the jobs found households in the generated world
    assert metrics["Households"] == f"{facts['households']:,}"
    assert metrics["Devices"] == f"{facts['devices']:,}"
    assert metrics["Social links"] == f"{facts['links']:,}"
    assert "Lag (since last commit)" in metrics
    # real Kafka lag: the world was ingested from files, so the group has nothing to lag behind
    assert metrics["Kafka consumer lag"].split()[1] in ("message", "messages"), metrics["Kafka consumer lag"]
    assert "Kafka unreachable" not in _texts(at)


def test_overview_says_when_kafka_is_unreachable(world, monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = _page("overview")
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Kafka consumer lag"] == "unreachable"
        assert "Kafka unreachable (127.0.0.1:1)" in _texts(at)
        assert metrics["Households"] != "0"  # the graph's numbers still show
    finally:
        monkeypatch.undo()
        st.cache_resource.clear()
        st.cache_data.clear()


def _find(by: str, value: str) -> AppTest:
    at = _page("household")
    if by != "Household id":
        at.radio(key="find_by").set_value(by).run()
    at.text_input(key="find_value").input(value)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_household_explorer_by_id_draws_the_household(world, facts):
    big = facts["big"]
    at = _find("Household id", big["id"])
    assert not at.error, [e.value for e in at.error]
    assert f"Household {big['id']}" in _texts(at)
    assert "showing" in _texts(at)
    assert {m.label: m.value for m in at.metric}["Devices"] == str(len(big["devices"]))
    frame = at.dataframe[0].value
    assert sorted(frame["device"]) == sorted(big["devices"])
    # the households job's evidence, shortened (keys cut, lists as their length)
    assert frame["evidence"].str.contains("copresent_hours=").all()
    assert not frame["evidence"].str.contains(r"\[\"").any()
    homes = at.dataframe[1].value
    assert len(homes) >= 1 and homes["class"].notna().all()
    assert "top genres:" in _texts(at)
    # the graph: the household, its devices, its home networks, its 12 most watched titles, linked households
    total = int(re.search(r"showing \d+ of (\d+) nodes", _texts(at)).group(1))
    links = {m.label: m.value for m in at.metric}["Social links"]
    assert total == 1 + len(big["devices"]) + len(homes) + 12 + int(links)


def test_household_explorer_shows_social_links_and_look_alikes(world, facts):
    linked = facts["linked"]
    at = _find("Household id", linked["id"])
    assert {m.label: m.value for m in at.metric}["Social links"] == str(len(linked["others"]))
    frames = [d.value for d in at.dataframe]
    social = next(f for f in frames if "visits" in f.columns)
    assert sorted(social["household"]) == sorted(linked["others"])
    similar = next(f for f in frames if "cosine" in f.columns)
    assert len(similar) >= 1 and similar["rank"].is_monotonic_increasing


def test_household_explorer_turns_a_typed_mac_into_the_key(world, facts):
    key = facts["big"]["devices"][0]
    mac = world.mac_of(key).upper().replace(":", "-")  # another notation of the same MAC
    at = _find("MAC address", mac)
    assert not at.error, [e.value for e in at.error]
    assert f"Household {facts['big']['id']}" in _texts(at)
    assert at.text_input(key="find_value").value == ""  # the MAC does not linger in the widget
    for k in ("find_value", "household_id", "find_message"):
        if k in at.session_state:
            assert mac.lower() not in str(at.session_state[k]).lower()


def test_household_explorer_unknown_device_says_so(world):
    at = _find("Device key", "0" * 32)
    assert "No household found." in _texts(at)


def test_social_graph_says_how_many_it_shows(world, graph_client_):
    total = graph_facts(
        graph_client_, "MATCH (h:Household) WHERE COUNT { (h)-[:SOCIAL_LINK]-() } > 0 RETURN count(h) AS n"
    )[0]["n"]
    assert total > 10  # enough linked households for the cap below to bite
    at = _page("social")
    assert f"of {total} households** with at least one link" in _texts(at)
    at.slider(key="social_cap").set_value(10).run()
    assert f"**showing 10 of {total} households**" in _texts(at)
    at.slider(key="social_weight").set_value(2).run()
    strong = graph_facts(
        graph_client_,
        "MATCH (h:Household) WHERE COUNT { (h)-[s:SOCIAL_LINK]-() WHERE s.weight >= 2 } > 0 "
        "RETURN count(h) AS n",
    )[0]["n"]
    assert f"of {strong} households**" in _texts(at)


def test_audience_export_is_offered_above_the_minimum(world, facts):
    at = _page("audiences")
    assert at.metric[0].value == f"{facts['households']:,}"
    assert not at.error
    at.button(key="export_prepare").click().run()  # an analyst's export: exact, device keys included
    assert f"{facts['households']} households ready to export" in _texts(at)
    assert facts["big"]["devices"][0] in at.session_state["export_ready"]["devices"]


def test_audience_export_is_refused_below_the_minimum(world, facts):
    at = _page("audiences")
    top = max(facts["sizes"])
    at.slider(key="aud_size").set_value((8, top)).run()
    n = sum(c for size, c in facts["sizes"].items() if size >= 8)
    assert 0 < n < 50
    assert at.metric[0].value == str(n)
    assert f"export refused: the segment has {n} households, fewer than the minimum of 50" in _texts(at)
    assert "ready to export" not in _texts(at)


def test_audience_genre_filter_uses_the_lift(world, graph_client_):
    genre, n = next(
        (r["g"], r["n"])
        for r in graph_facts(
            graph_client_,
            "MATCH (h:Household)-[l:LIKES]->(g:Genre) WHERE l.score >= 1.5 "
            "RETURN g.name AS g, count(h) AS n ORDER BY n DESC, g LIMIT 1",
        )
    )
    at = _page("audiences")
    at.selectbox(key="aud_genre").select(genre).run()
    at.slider(key="aud_score").set_value(1.5).run()
    assert at.metric[0].value == f"{n:,}"


def test_jobs_show_last_runs_and_run_now(world, graph_client_):
    at = _page("jobs")
    labels = {m.label: m.value for m in at.metric}
    assert labels == dict.fromkeys(JOBS, "succeeded")  # every registered job ran once
    before = len(at.dataframe[0].value)
    assert before >= 3
    at.selectbox(key="job_name").select("social").run()
    at.button(key="job_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("social finished (run social-" in s.value for s in at.success)
    assert len(at.dataframe[0].value) == before + 1  # the new run is listed right away
    runs = graph_facts(
        graph_client_, "MATCH (r:JobRun {job: 'social'}) RETURN r.status AS s ORDER BY r.started"
    )
    assert [r["s"] for r in runs][-1] == "succeeded" and len(runs) >= 2


def test_jobs_run_now_says_when_a_run_holds_the_lock(world, graph_client_):
    from graph.jobs.runs import job_lock

    at = _page("jobs")
    at.selectbox(key="job_name").select("affinity").run()
    with job_lock(graph_client_, "affinity"):
        at.button(key="job_run").click().run()
    assert not at.exception
    assert any("affinity is already running" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.success


def test_data_quality_shows_late_and_duplicates(world, facts):
    at = _page("quality")
    metrics = {m.label: m.value for m in at.metric}
    assert facts["stats"]["duplicates"] > 0 and facts["stats"]["invalid"] > 0  # the world is dirty on purpose
    assert metrics["Late events"] == f"{facts['stats']['late']:,}"
    assert metrics["Duplicates absorbed"] == f"{facts['stats']['duplicates']:,}"
    assert metrics["Dead letters"] == f"{facts['stats']['invalid']:,}"
    assert at.dataframe[0].value["count"].sum() == facts["dead"]


def _console(at: AppTest, query: str, params: str = "{}") -> AppTest:
    at.text_area(key="console_query").input(query)
    at.text_area(key="console_params").input(params)
    at.button(key="console_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_console_runs_a_read_query_with_parameters(world, graph_client_):
    at = _console(
        _page("console"),
        "MATCH (h:Household) WHERE h.size >= $s RETURN h.id AS id ORDER BY id LIMIT $n",
        '{"s": 3, "n": 5}',
    )
    assert not at.error
    expected = graph_facts(
        graph_client_, "MATCH (h:Household) WHERE h.size >= 3 RETURN h.id AS id ORDER BY id LIMIT 5"
    )
    assert list(at.dataframe[0].value["id"]) == [r["id"] for r in expected]


def test_console_draws_returned_nodes_as_a_graph(world, facts, graph_client_):
    hid = facts["big"]["id"]
    homes = graph_facts(
        graph_client_, "MATCH (:Household {id: $h})-[:HOME_NETWORK]->(n) RETURN count(n) AS n", h=hid
    )[0]["n"]
    assert homes >= 1
    at = _console(
        _page("console"),
        "MATCH p = (:Household {id: $h})-[:HOME_NETWORK]->() RETURN p",
        json.dumps({"h": hid}),
    )
    assert not at.error
    assert f"showing {homes + 1} of {homes + 1} nodes" in _texts(at)


@pytest.mark.parametrize(
    "query",
    [
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
    ],
)
def test_console_refuses_anything_but_a_read(world, neo4j_driver, services, query):
    at = _console(_page("console"), query)
    assert at.error, f"not refused: {query}"
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (x:Intruder) RETURN count(x) AS n", database_=services.neo4j_database
    )
    assert records[0]["n"] == 0
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (h:Household {size: 99}) RETURN count(h) AS n", database_=services.neo4j_database
    )
    assert records[0]["n"] == 0


def test_console_shows_server_errors_as_messages(world):
    at = _console(_page("console"), "MATCH (n RETURN n")
    assert at.error and "Invalid input" in at.error[0].value
    at = _console(_page("console"), "RETURN 1", "[1, 2]")
    assert "parameters must be a JSON object" in at.error[0].value


def test_console_loads_saved_queries_and_keeps_history(world, graph_client_):
    at = _page("console")
    at.selectbox(key="console_saved").select("analyst/top_social_households").run()
    assert "SOCIAL_LINK" in at.text_area(key="console_query").value
    assert at.text_area(key="console_params").value == '{"limit": 25}'
    at.button(key="console_run").click().run()
    assert not at.error
    linked = graph_facts(
        graph_client_, "MATCH (h:Household) WHERE COUNT { (h)-[:SOCIAL_LINK]-() } > 0 RETURN count(h) AS n"
    )[0]["n"]
    n = min(25, linked)
    assert n > 0 and len(at.dataframe[0].value) == n
    assert at.session_state["console_history"][0]["outcome"].startswith(f"{n} rows")


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
        except Exception:
            pass
        else:
            assert not at.title or at.title[0].value != "Cypher console"
    finally:
        monkeypatch.delenv("HAUSGRAPH_DASHBOARD_PASSWORD")
        st.cache_resource.clear()


# --- roles: marketers see aggregates of at least k households, analysts are audited ---------------


def _sign_in(monkeypatch, password: str, marketer: str | None = "m-pass", analyst: str | None = "a-pass"):
    for name, value in (
        ("HAUSGRAPH_DASHBOARD_PASSWORD", marketer),
        ("HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD", analyst),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert at.text_input[0].label == "Password" and not at.metric
    at.text_input[0].input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def roles(world, monkeypatch):
    yield monkeypatch
    monkeypatch.undo()
    st.cache_resource.clear()
    st.cache_data.clear()


def _audits(client: GraphClient, action: str) -> list[dict]:
    return graph_facts(
        client,
        "MATCH (a:AuditRecord {action: $a}) RETURN a {.*} AS a ORDER BY a.at",
        a=action,
    )


def test_a_signed_in_marketer_cannot_reach_a_single_household(roles, facts):
    at = _sign_in(roles, "m-pass")
    assert {m.label for m in at.metric} >= {"Households"}
    # not in the navigation, so not reachable by URL; switching to it does not show the explorer
    with contextlib.suppress(Exception):  # Streamlit may refuse a page that is not registered
        at.switch_page("screens/household.py").run()
    assert "Household explorer" not in [t.value for t in at.title]
    assert not [t for t in at.text_input if t.key == "find_value"]
    # the page itself refuses a session that is not an analyst's, even when run directly
    page = AppTest.from_file(
        os.path.join(os.path.dirname(APP), "screens", "household.py"), default_timeout=90
    )
    page.session_state["hausgraph_role"] = "marketer"
    page.run()
    assert page.title[0].value == "Not available" and not page.text_input
    # the console is not there either
    with contextlib.suppress(Exception):
        at.switch_page("screens/console.py").run()
    assert "Cypher console" not in [t.value for t in at.title]


def test_marketers_see_small_counts_as_below_k_and_no_small_social_graph(roles, facts, graph_client_):
    at = _sign_in(roles, "m-pass")
    at.switch_page("screens/audiences.py").run()
    top = max(facts["sizes"])
    at.slider(key="aud_size").set_value((8, top)).run()
    n = sum(c for size, c in facts["sizes"].items() if size >= 8)
    assert 0 < n < 50
    assert at.metric[0].value == "< 50"
    assert str(n) not in [m.value for m in at.metric]
    assert "export refused" in _texts(at) and not [b for b in at.button if b.key == "export_prepare"]
    linked = graph_facts(
        graph_client_, "MATCH (h:Household) WHERE COUNT { (h)-[:SOCIAL_LINK]-() } > 0 RETURN count(h) AS n"
    )[0]["n"]
    at.switch_page("screens/social.py").run()
    if linked < 50:
        assert "a social graph is shown only when it draws at least 50 households" in _texts(at)
        assert not _iframes(at)
    else:  # drawn without household ids
        assert facts["big"]["id"] not in _texts(at)


def test_marketer_exports_are_rounded_audited_id_only_and_refused_when_they_difference(
    roles, facts, graph_client_
):
    before = len(_audits(graph_client_, "export"))
    at = _sign_in(roles, "m-pass")
    at.switch_page("screens/audiences.py").run()
    n = facts["households"]
    assert n >= 50 and at.metric[0].value == f"{n // 10 * 10:,}"
    at.button(key="export_prepare").click().run()
    assert not at.error, [e.value for e in at.error]
    ready = at.session_state["export_ready"]
    assert "devices" not in ready and ready["count"] == n // 10 * 10
    rows = ready["households"].splitlines()
    assert rows[0] == "household" and len(rows) == 1 + n // 10 * 10
    keys = graph_facts(graph_client_, "MATCH (d:Device) RETURN d.key AS k")
    assert not any(r["k"] in ready["households"] for r in keys)  # no device key in a marketer's export
    audits = _audits(graph_client_, "export")
    assert len(audits) == before + 1
    record = audits[-1]["a"]
    assert record["role"] == "marketer" and record["who"].startswith("marketer:")
    assert record["count"] == n // 10 * 10 and json.loads(record["filter"])["min_size"] == 1
    # a second export a few households smaller: its difference would single them out, refused
    at.slider(key="aud_size").set_value((2, max(facts["sizes"]))).run()
    m = n - facts["sizes"].get(1, 0)
    at.button(key="export_prepare").click().run()
    if m < 50:
        assert "export refused" in _texts(at)
    elif "(differencing)" not in _texts(at):  # allowed only when it holds exactly the same households
        assert at.session_state["export_ready"]["households"] == ready["households"]
    else:
        assert "export_ready" not in at.session_state  # nothing offered
        assert _audits(graph_client_, "export_refused")


def test_an_analyst_password_alone_requires_sign_in(roles):
    at = _sign_in(roles, "a-pass", marketer=None)
    at.switch_page("screens/console.py").run()
    assert at.title[0].value == "Cypher console"


def test_failed_sign_ins_back_off(roles):
    at = _sign_in(roles, "wrong")
    assert "Wrong password." in _texts(at)
    at.text_input[0].input("wrong again")
    at.button[0].click().run()
    at.text_input[0].input("m-pass")  # right, but too soon after two failures
    at.button[0].click().run()
    assert "Too many failed sign-ins" in _texts(at) and not at.metric


def test_without_sign_in_the_app_refuses_to_serve_beyond_loopback(roles):
    roles.delenv("HAUSGRAPH_DASHBOARD_PASSWORD", raising=False)
    st.config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(APP, default_timeout=90)
        at.run()
        assert "Refused: the app is served on 0.0.0.0 without a sign-in" in _texts(at)
        assert not at.metric
    finally:
        st.config.set_option("server.address", "127.0.0.1")


def test_an_analysts_mac_look_up_is_audited_without_the_mac_or_key(world, facts, graph_client_):
    before = len(_audits(graph_client_, "lookup"))
    key = facts["big"]["devices"][0]
    mac = world.mac_of(key)
    _find("MAC address", mac)
    audits = _audits(graph_client_, "lookup")
    assert len(audits) == before + 1
    record = audits[-1]["a"]
    assert record["household"] == facts["big"]["id"] and json.loads(record["filter"]) == {"by": "mac"}
    assert key not in json.dumps(record) and mac not in json.dumps(record).lower()


def test_personas_page_and_audience_persona_filter(world, graph_client_):
    from graph.persona_model import household_personas, personas_from_rows
    from hausgraph.cli.persona_scoring import world_device_days

    rows, as_of, series = world_device_days(world.out, world.truth)
    result = personas_from_rows(rows, as_of_ms=as_of, content_series=series)
    c = graph_client_
    c.write("jobs/write_personas", result.devices, run="t")
    c.write("jobs/write_persona_history", result.history, run="t")
    members = c.read("jobs/read_member_personas", devices=[d["device"] for d in result.devices])
    c.write(
        "jobs/write_household_personas",
        household_personas(members, {m["device"]: m["household"] for m in members}),
        run="t",
    )
    st.cache_data.clear()
    at = _page("personas")
    assert not at.error, [e.value for e in at.error]
    assert "Transitions between two weeks" in _texts(at) and len(at.metric) == 4
    kids = len({m["household"] for m in members if m["persona"] == "kids"})
    at = _page("audiences")
    at.selectbox(key="aud_persona").select("kids").run()
    assert at.metric[0].value == f"{kids:,}"
