"""Household explorer (analysts only): find a household by id, device key or MAC; its graph, evidence
and activity. Every look-up by MAC or device key is written to an audit record first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.auth import ANALYST, current_user, require_analyst
from dashboards.resources import pseudo, settings
from dashboards.views import evidence_text, household_view
from dashboards.widgets import show_error, show_graph
from ingest.contract import normalize_mac
from ingest.errors import InvalidRecord

require_analyst()  # the page is not even listed for marketers; this guards a direct run
st.title("Household explorer")

cap = settings().graph_node_cap
how = st.radio("Find by", ["Household id", "Device key", "MAC address"], horizontal=True, key="find_by")


def _lookup() -> None:
    """Resolve what was typed to a household id (a form callback, so it runs before the widgets).

    A typed MAC is turned into the device key here and then wiped from the widget state: it is
    never stored, logged or sent to the server.
    """
    typed = (st.session_state.get("find_value") or "").strip()
    mode = st.session_state.get("find_by")
    if mode == "MAC address":
        st.session_state["find_value"] = ""
    st.session_state.pop("find_message", None)
    if not typed:
        return
    household = device = None
    if mode == "Household id":
        household = typed
    elif mode == "Device key":
        device = typed.lower()
    else:
        p = pseudo()
        if p is None:
            st.session_state["find_message"] = (
                "error",
                "MAC look-up needs the pseudonym secret (HAUSGRAPH_PSEUDONYM_SECRET) the ingest used.",
            )
            return
        try:
            device = p.mac(normalize_mac(typed))
        except InvalidRecord as err:
            st.session_state["find_message"] = ("error", f"not a MAC address: {err}")
            return
    try:
        found = data.find_household(household=household, device=device)
        if device is not None:  # a device look-up: audited (who, when, how, which household), key not kept
            by = "mac" if mode == "MAC address" else "device_key"
            data.audit(current_user(), ANALYST, "lookup", {"by": by}, household=found and found["id"])
    except Exception as err:  # noqa: BLE001 - no audit record, no answer
        st.session_state["find_message"] = ("error", str(err))
        st.session_state.pop("household_id", None)
        return
    if found is None:
        st.session_state["find_message"] = ("warning", "No household found.")
        st.session_state.pop("household_id", None)
    else:
        st.session_state["household_id"] = found["id"]


with st.form("find", clear_on_submit=(how == "MAC address")):
    st.text_input(how, key="find_value", type="password" if how == "MAC address" else "default")
    st.form_submit_button("Find", on_click=_lookup)
if "find_message" in st.session_state:
    kind, text = st.session_state["find_message"]
    (st.error if kind == "error" else st.warning)(text)

hid = st.session_state.get("household_id")
if not hid:
    st.info("Enter a household id, a device key or a MAC address.")
    st.stop()

try:
    row = data.household_graph(hid, cap)
    timeline = data.household_timeline(hid)
except Exception as err:  # noqa: BLE001
    show_error(err)
    st.stop()
if row is None:
    st.warning(f"Household {hid} no longer exists (a newer household run may have replaced it).")
    st.stop()

h = row["household"]
st.subheader(f"Household {h['id']}")
m = st.columns(5)
m[0].metric("Size", h.get("size"))
m[1].metric("Devices", h.get("devices"))
m[2].metric("Confidence", f"{h.get('confidence') or 0:.2f}")
m[3].metric(
    "Kids' content",
    "yes" if h.get("kids") else "no",
    f"{h['kids_share']:.0%} of viewing" if h.get("kids_share") is not None else None,
    delta_color="off",
)
m[4].metric("Social links", len(row.get("neighbours") or []))
facts = []
if h.get("last_active"):
    facts.append(f"last active {pd.to_datetime(h['last_active'], unit='ms', utc=True):%Y-%m-%d %H:%M} UTC")
if h.get("lineage"):
    previous = ", ".join(h.get("previous") or [])
    facts.append(f"lineage {h['lineage']}" + (f" (from {previous})" if previous else ""))
facts.append(f"top genres: {', '.join(h.get('top_genres') or []) or '—'}")
facts.append(f"top series: {', '.join(h.get('top_series') or []) or '—'}")
if h.get("seconds") is not None:
    facts.append(f"watched {h['seconds'] / 3600:,.0f} h in {h.get('views') or 0:,} views")
st.caption(" · ".join(facts))

show_graph(household_view(row), cap)

st.subheader("Why each device belongs")
devices = pd.DataFrame(
    [
        {
            "device": d["key"],
            "type": d.get("type"),
            "confidence": d.get("confidence"),
            "evidence": evidence_text(d.get("evidence")),
            "events": d.get("events"),
        }
        for d in row.get("devices") or []
    ]
)
st.dataframe(devices, hide_index=True, width="stretch")

if row.get("networks"):
    st.subheader("Home networks")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "network": n["key"],
                    "class": n.get("class"),
                    "IPv": n.get("family"),
                    "member devices seen": n.get("devices"),
                    "class evidence": evidence_text(n.get("class_evidence")),
                }
                for n in row["networks"]
            ]
        ),
        hide_index=True,
        width="stretch",
    )

st.subheader("Activity timeline")
if timeline.empty:
    st.info("No hourly activity stored for these devices.")
else:
    per_hour = timeline.pivot_table(index="hour", columns="type", values="events", aggfunc="sum").fillna(0)
    st.bar_chart(per_hour)
    profile = h.get("hour_profile")
    if profile:
        st.caption("Typical day (device-hours active by local hour of day)")
        st.bar_chart(pd.Series(profile, name="device-hours"))
    weekdays = h.get("weekday_profile")
    if weekdays and len(weekdays) == 7:
        st.caption("Typical week (device-hours active by weekday)")
        st.bar_chart(
            pd.Series(
                weekdays,
                index=["1 Mon", "2 Tue", "3 Wed", "4 Thu", "5 Fri", "6 Sat", "7 Sun"],
                name="device-hours",
            )
        )

if row.get("neighbours"):
    st.subheader("Socially linked households")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "household": o["id"],
                    "size": o.get("size"),
                    "weight": o.get("weight"),
                    "visits": o.get("visits"),
                    "evidence": evidence_text(o.get("evidence")),
                }
                for o in row["neighbours"]
            ]
        ),
        hide_index=True,
        width="stretch",
    )

if row.get("similar"):
    st.subheader("Most similar households (genre taste)")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "rank": o.get("rank"),
                    "household": o["id"],
                    "size": o.get("size"),
                    "cosine": o.get("score"),
                    "top genres": ", ".join(o.get("top_genres") or []),
                }
                for o in row["similar"]
            ]
        ),
        hide_index=True,
        width="stretch",
    )
