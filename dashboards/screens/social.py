"""Social graph: households as nodes and social links as edges, filtered, capped.

Marketers see it only when at least k households are drawn, and without household ids.
"""

from __future__ import annotations

import streamlit as st

from dashboards import data
from dashboards.audience import marketer_count
from dashboards.auth import ANALYST, current_role
from dashboards.resources import settings
from dashboards.views import social_view
from dashboards.widgets import show_error, show_graph

st.title("Social graph")
cap = settings().graph_node_cap
minimum = settings().audience_min_households
marketer = current_role() != ANALYST

try:
    genres = data.genres()
    ranges = data.filter_ranges()
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

c1, c2, c3, c4 = st.columns(4)
max_size = max(10, int(ranges.get("max_size") or 0))
max_weight = max(2, int(ranges.get("max_weight") or 0))
genre = c1.selectbox(
    "Top genre",
    ["any", *genres],
    key="social_genre",
    help="Households with this genre among their top genres (by lift against the whole catalogue).",
)
size = c2.slider("Household size", 1, max_size, (1, max_size), key="social_size")
weight = c3.slider(
    "Minimum visits per link",
    1,
    max_weight,
    1,
    1,
    key="social_weight",
    help="A link's weight is the number of distinct days one household's devices visited the other.",
)
colour = c4.selectbox("Colour by", ["degree", "top genre", "kids"], key="social_colour")
low = max(10, minimum) if marketer else 10  # marketers: never a graph of fewer than k households
limit = st.slider("Node cap", min(low, cap), cap, max(min(cap, 150), min(low, cap)), 10, key="social_cap")

try:
    row = data.social_graph(None if genre == "any" else genre, size[0], size[1], float(weight), limit)
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

if marketer:
    shown = len(row["nodes"])
    if shown < minimum:
        st.info(
            f"{marketer_count(row['total'], minimum)} households pass the filters: a social graph is "
            f"shown only when it draws at least {minimum} households."
        )
        st.stop()
    st.markdown(
        f"**showing {marketer_count(shown, minimum)} of {marketer_count(row['total'], minimum)} households** "
        "with at least one link passing the filters (counts rounded, household ids hidden)"
    )
    view = social_view(row, colour, show_ids=False)
    view.total = None  # the caption then counts what is drawn (>= k), not the exact total
    show_graph(view, cap)
    st.stop()

st.markdown(
    f"**showing {len(row['nodes'])} of {row['total']} households** "
    "with at least one link passing the filters, "
    f"{len(row['edges'])} links among them"
)
show_graph(social_view(row, colour), cap)
