"""Cypher console for analysts: read-only queries, parameters, saved queries, table / graph / CSV, history."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import cypher
from dashboards.resources import client, settings
from dashboards.saved import description, example_params, saved_queries
from dashboards.views import console_view
from dashboards.widgets import show_graph
from graph.console import ConsoleError, parse_params, run_console_query

st.title("Cypher console")
s = settings()
st.caption(
    f"Read-only: read clauses and schema procedures only (no LOAD CSV, SHOW, writes or plugins); every "
    f"query is planned first and refused unless it only reads; it runs in a READ transaction that the "
    f"server stops after {s.console_timeout_s:g} s, and returns at most {s.console_row_cap:,} rows "
    f"and {s.console_result_bytes_cap / 2**20:g} MiB."
)


def _load_saved() -> None:
    name = st.session_state.get("console_saved")
    if name and name != "—":
        text = cypher.load(name).text
        st.session_state["console_query"] = text
        st.session_state["console_params"] = example_params(text)


saved = st.selectbox("Saved queries", ["—", *saved_queries()], key="console_saved", on_change=_load_saved)
if saved != "—":
    st.caption(description(cypher.load(saved).text))
st.session_state.setdefault(
    "console_query", "MATCH (h:Household) RETURN h.id AS household, h.size AS size LIMIT 25"
)
st.session_state.setdefault("console_params", "{}")
query = st.text_area("Query", key="console_query", height=180)
params_text = st.text_area("Parameters (JSON object)", key="console_params", height=68)
run = st.button("Run", type="primary", key="console_run")

history: list[dict] = st.session_state.setdefault("console_history", [])

if run:
    started = time.perf_counter()
    try:
        result = run_console_query(
            client().driver,
            client().database,
            query,
            parse_params(params_text),
            s.console_row_cap,
            s.console_timeout_s,
            s.console_result_bytes_cap,
        )
    except ConsoleError as err:
        st.session_state["console_result"] = None
        st.error(err.message)
        history.insert(
            0, {"query": query, "params": params_text, "outcome": f"refused/failed: {err.message[:80]}"}
        )
    else:
        st.session_state["console_result"] = result
        elapsed = time.perf_counter() - started
        history.insert(
            0,
            {
                "query": query,
                "params": params_text,
                "outcome": f"{len(result.rows)} rows{'+' if result.truncated else ''} in {elapsed:.2f} s",
            },
        )
    del history[20:]

result = st.session_state.get("console_result")
if result is not None:
    frame = pd.DataFrame(result.rows, columns=result.columns)
    if result.truncated:
        st.warning(f"showing the first {len(result.rows):,} rows ({result.stopped_by})")
    table, graph = st.tabs(["Table", "Graph"])
    with table:
        st.dataframe(frame.astype(str) if not frame.empty else frame, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV", frame.to_csv(index=False), "query.csv", "text/csv", key="console_csv"
        )
    with graph:
        if result.nodes:
            show_graph(console_view(result.nodes, result.relationships), s.graph_node_cap)
        else:
            st.info(
                "The result holds no nodes or relationships: "
                "return nodes, relationships or paths to see a graph."
            )

if history:
    with st.expander(f"History ({len(history)})"):
        st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")
