"""Jobs: the last runs of each graph job, and running one now."""

from __future__ import annotations

import json

import streamlit as st

import graph.jobs
from dashboards import data
from dashboards.resources import client
from dashboards.widgets import show_error

st.title("Jobs")

try:
    runs = data.job_runs()
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()

if runs.empty:
    st.info("No job has run yet.")
else:
    latest = runs.sort_values("started", ascending=False).groupby("job", as_index=False).first()
    cols = st.columns(max(1, len(latest)))
    for col, (_, r) in zip(cols, latest.iterrows()):
        col.metric(r["job"], r["status"], f"{r['duration_s']:.1f} s" if r["duration_s"] == r["duration_s"] else None,
                   delta_color="off")
    st.subheader("Recent runs")
    st.dataframe(runs[["job", "status", "started", "duration_s", "counts", "error", "id"]], hide_index=True,
                 width="stretch")

st.subheader("Run a job now")
run_job = getattr(graph.jobs, "run_job", None)
known = sorted(set(runs["job"])) if not runs.empty else []
names = list(getattr(graph.jobs, "JOBS", None) or known)
if run_job is None:
    st.warning("Running jobs from the app is not available: graph.jobs.run_job does not exist in this version. "
               "Run them with the hausgraph CLI.")
elif not names:
    st.info("No job names known yet.")
else:
    name = st.selectbox("Job", names, key="job_name")
    if st.button("Run now", key="job_run"):
        with st.spinner(f"running {name}…"):
            try:
                ctx = run_job(client(), name)
                data.clear()
                counts = getattr(ctx, "counts", None)
                st.success(f"{name} finished" + (f": {json.dumps(counts, default=str)}" if counts else ""))
            except Exception as err:  # noqa: BLE001 - the job's own error, shown as its message
                show_error(err)
