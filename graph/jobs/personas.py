"""Personas job shell: device days → personas, history, age bands and household mix → the graph.

Full runs judge every device with days in the last ``history_days``; incremental runs only the
devices ingest wrote since the last successful run (a device's persona depends on its own days
only), then recompute the persona mix of those devices' households.
"""

from __future__ import annotations

import time

from graph.device_columns import frames_from_columns
from graph.jobs.runs import JobContext, last_success
from graph.params import GraphParams
from graph.persona_model import household_personas, personas_from_frames
from graph.vocabulary import DAY_MS

__all__ = ["run_personas_job"]


def run_personas_job(ctx: JobContext, params: GraphParams, seed: int = 0, incremental: bool = False) -> None:
    client, p = ctx.client, params.personas
    now = int(time.time() * 1000)
    latest = client.read("jobs/read_latest_day", until=now)
    as_of = latest[0]["day"] if latest and latest[0]["day"] is not None else None
    if as_of is None:
        ctx.counts.update(devices=0)
        ctx.progress("personas: no device days yet")
        return
    devices = None
    if incremental:
        since = last_success(client, "personas")
        if since is not None:
            devices = [r["device"] for r in client.read("jobs/read_persona_touched", since=since)]
            ctx.counts["touched"] = len(devices)
            if not devices:
                ctx.progress("personas: nothing new")
                return
    since = as_of - p.history_days * DAY_MS
    records = client.read_plain(  # long nested lists: Record.data() would take ten times the query
        "jobs/read_device_day_columns",
        devices=devices,
        since=since,
        night=list(p.night_hours_utc),
        daytime=list(p.daytime_hours_utc),
    )
    first = client.read("jobs/read_first_day", since=since)
    data_start = first[0]["day"] if first and first[0]["day"] is not None else None
    series = {c["content_id"]: c["series_id"] for c in client.read("jobs/read_content") if c["series_id"]}
    frames = frames_from_columns(records, p, series)
    result = personas_from_frames(frames, as_of_ms=as_of, params=p, data_start_ms=data_start)
    client.write("jobs/write_personas", result.devices, run=ctx.run_id)
    # only the weeks whose edge changes (a rerun on the same data writes no history)
    stored = {
        (r["device"], r["week"]): r["digest"]
        for r in client.read_plain("jobs/read_persona_digests", devices=devices)
    }
    changed = [h for h in result.history if stored.get((h["device"], h["week"])) != h["digest"]]
    client.write("jobs/write_persona_history", changed, run=ctx.run_id)
    judged = [d["device"] for d in result.devices]
    members = client.read("jobs/read_member_personas", devices=judged)
    households = household_personas(members, {m["device"]: m["household"] for m in members})
    client.write("jobs/write_household_personas", households, run=ctx.run_id)
    shares: dict[str, int] = {}
    for d in result.devices:
        shares[d["persona"]] = shares.get(d["persona"], 0) + 1
    ctx.counts.update(
        devices=len(result.devices),
        weeks=len(result.history),
        weeks_written=len(changed),
        households=len(households),
        transitions=len(result.transitions),
        **{f"persona_{k}": v for k, v in sorted(shares.items())},
    )
    ctx.progress(f"personas: {len(result.devices):,} devices, {len(households):,} households, {shares}")
