"""Jobs: the last runs of each graph job, and running one now."""

from __future__ import annotations

import json

import streamlit as st

import graph.jobs
from dashboards import data
from dashboards.resources import client, settings
from dashboards.widgets import show_error
from graph.errors import JobLocked, LeaseLost
from graph.jobs.lease import LeaseParams
from hausgraph.runtime import graph_params

st.title("Jobs")

#: how each run status is told apart at a glance in the table
_MARK = {"succeeded": "✅", "failed": "❌", "abandoned": "⚠️", "running": "⏳"}

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
        col.metric(
            r["job"],
            r["status"],
            f"{r['duration_s']:.1f} s" if r["duration_s"] == r["duration_s"] else None,
            delta_color="off",
        )
    abandoned = runs[runs["status"] == "abandoned"].head(5)
    if not abandoned.empty:
        st.warning(
            "Abandoned runs — their process died or stalled, and the next run took the lease over:\n"
            + "\n".join(
                f"- **{r['job']}** run `{r['id']}`, closed {r['ended']:%Y-%m-%d %H:%M:%S} UTC: {r['error']}"
                for _, r in abandoned.iterrows()
            )
        )
    st.subheader("Recent runs")
    shown = runs[["job", "status", "started", "duration_s", "counts", "params", "error", "id"]].copy()
    shown["status"] = shown["status"].map(lambda s: f"{_MARK.get(s, '')} {s}".strip())
    st.dataframe(shown, hide_index=True, width="stretch")

st.subheader("Run a job now")
st.caption("Households first: social links and affinities are derived from the households.")
if "job_message" in st.session_state:
    st.success(st.session_state.pop("job_message"))
name = st.selectbox("Job", list(graph.jobs.JOBS), key="job_name")
if st.button("Run now", key="job_run"):
    with st.spinner(f"running {name}…"):
        try:
            s = settings()
            ctx = graph.jobs.run_job(
                client(),
                name,
                graph_params(s),
                lease=LeaseParams(lease_s=s.job_lease_s, heartbeat_s=s.job_heartbeat_s),
            )
        except JobLocked as err:
            st.warning(
                f"{name} is already running (started by {err.owner}); "
                "wait for it to finish, its run appears above when done."
            )
        except LeaseLost as err:
            st.error(f"{name} stalled past its lease and another run took it over: {err}")
        except Exception as err:  # noqa: BLE001 - the job's own error, shown as its message
            show_error(err)
        else:
            data.clear()  # the new run and what it wrote show up everywhere
            note = f" — {ctx.abandoned_before}" if ctx.abandoned_before else ""
            counts = json.dumps(ctx.counts, default=str, sort_keys=True)
            st.session_state["job_message"] = f"{name} finished (run {ctx.run_id}): {counts}{note}"
            st.rerun()
