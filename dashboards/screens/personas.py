"""Personas: persona shares over time, transitions between two weeks, churn risk and who switched."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import persona_data as data
from dashboards.auth import ANALYST, current_role
from dashboards.resources import settings
from dashboards.widgets import show_error
from graph.personas import CHURN, PERSONAS
from graph.vocabulary import DAY_MS, WEEK_MS

st.title("Personas")
minimum = settings().audience_min_households
analyst = current_role() == ANALYST  # the entry file signed the session in

try:
    shares = data.persona_shares()
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()
if shares.empty:
    st.info("No personas yet: run `hausgraph jobs run personas`.")
    st.stop()

st.subheader("Persona shares by week")
table = shares.pivot_table(index="week", columns="persona", values="devices", fill_value=0)
st.area_chart(table.div(table.sum(axis=1), axis=0))

st.subheader("Transitions between two weeks")
weeks = sorted(shares["week"].unique())
c1, c2 = st.columns(2)
week_a = c1.selectbox("From week", weeks, index=max(0, len(weeks) - 2), key="persona_week_a")
week_b = c2.selectbox("To week", weeks, index=len(weeks) - 1, key="persona_week_b")
to_ms = lambda d: int(pd.Timestamp(d).timestamp() * 1000)
moves = data.persona_transitions(to_ms(week_a), to_ms(week_b))
if moves.empty:
    st.info("No device was judged in both weeks.")
else:
    matrix = moves.pivot_table(index="source", columns="target", values="devices", fill_value=0)
    matrix = matrix.reindex(index=[p for p in PERSONAS if p in matrix.index])
    st.caption("Devices: rows = persona in the first week, columns = in the second")
    st.dataframe(matrix, width="stretch")

st.subheader("Churn risk")
risks = {r["risk"]: r for r in data.churn_households()}
cols = st.columns(len(CHURN))
for col, risk in zip(cols, CHURN):
    n = int((risks.get(risk) or {}).get("households") or 0)
    col.metric(f"{risk} risk households", f"{n:,}" if analyst else data.k_anonymous(n, minimum))
if analyst and risks.get("high"):
    st.dataframe(pd.DataFrame(risks["high"]["sample"]), width="stretch")
elif not analyst:
    st.caption(f"Counts only, and only from {minimum} households on (clean-room rule).")

st.subheader("Who switched")
s1, s2, s3 = st.columns(3)
source = s1.selectbox("From persona", PERSONAS, index=PERSONAS.index("binger"), key="switch_from")
target = s2.selectbox("To persona", PERSONAS, index=PERSONAS.index("ghoster"), key="switch_to")
within = s3.number_input("In the last weeks", 1, 52, 4, key="switch_weeks")
latest = to_ms(weeks[-1]) + WEEK_MS - DAY_MS
found = data.persona_switchers(source, target, latest - int(within) * WEEK_MS, int(within) * WEEK_MS)
h = int(found.get("households") or 0)
st.metric(
    f"Households with a {source} → {target} device", f"{h:,}" if analyst else data.k_anonymous(h, minimum)
)
if analyst and found.get("rows"):
    st.dataframe(pd.DataFrame(found["rows"]), width="stretch")
