"""Small Streamlit pieces shared by the pages: the graph view and error display."""

from __future__ import annotations

import logging

import streamlit as st

from dashboards.graphviz import GraphView, build_network, has_remote_resources, render_html
from dashboards.unavailable import GRAPH_DOWN, UNAVAILABLE_MESSAGE
from graph.errors import GraphError

__all__ = ["show_error", "show_graph"]

log = logging.getLogger(__name__)


def show_graph(view: GraphView, cap: int, height: int = 560) -> int:
    """Draw ``view`` (at most ``cap`` nodes) in an offline pyvis iframe; returns the nodes shown."""
    total = view.total if view.total is not None else len(view.nodes)
    if not view.nodes:
        st.info("Nothing to draw.")
        return 0
    net, shown = build_network(view, cap, height=f"{height - 20}px")
    html = render_html(net)
    if has_remote_resources(html):  # a pyvis upgrade must not silently bring the CDN back
        st.error("graph view refused: the page would load resources from the internet")
        return 0
    st.caption(f"showing {shown} of {total} nodes" + (f" (cap {cap})" if total > shown else ""))
    # our own page: vis-network and JSON-escaped data only (see dashboards.graphviz)
    st.iframe(html, height=height)
    return shown


def show_error(err: Exception) -> None:
    """A failed query as the server's message, not a traceback ("graph unavailable" when Neo4j is down)."""
    if isinstance(err, GRAPH_DOWN):
        st.error(UNAVAILABLE_MESSAGE, icon="⚠️")
    elif isinstance(err, GraphError):
        st.error(str(err))
    else:
        st.error(f"{type(err).__name__}: {err}")
    log.warning("page query failed error=%s", type(err).__name__)
