"""Household job shell: presence → :func:`graph.households.assign_households` → memberships."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from graph.households import household_rows, run_households
from graph.households.cluster import SHARED_KEY, UNASSIGNED_REASONS
from graph.households.hold import hold_full_run
from graph.households.settle import settle_run
from graph.jobs.reads import all_presence, current_assignment, pending_moves, presence_rows
from graph.jobs.runs import JobContext, last_full_counts, last_success
from graph.networks import NETWORK_CLASSES, classify_table
from graph.params import GraphParams

__all__ = ["network_class_rows", "run_households_job", "write_assignment"]


def network_class_rows(run) -> list[dict[str, Any]]:
    """``{network, class, evidence}`` per network of a household run; evidence is its profile (JSON)."""
    t = run.table
    _, stats = classify_table(t, run.params.network)  # in the run's local time
    return [
        {
            "network": str(k),
            "class": NETWORK_CLASSES[int(c)],
            "evidence": json.dumps(
                {name: round(float(v[i]), 3) for name, v in stats.items()}, sort_keys=True
            ),
        }
        for i, (k, c) in enumerate(zip(t.network_keys, run.net_class))
    ]


def write_assignment(
    ctx: JobContext,
    out: dict[str, list[dict[str, Any]]],
    full: bool,
    pending: Mapping[str, Mapping[str, Any]] | None = None,
    provisional: Collection[str] = (),
) -> None:
    """Write households, memberships (with the held move ``pending`` per device and whether it is
    ``provisional``, see :mod:`graph.households.hold`) and home networks; a full run also retires
    what it did not see."""
    pending, provisional = pending or {}, set(provisional)
    client, run_id, now = ctx.client, ctx.run_id, int(time.time() * 1000)
    households = [
        {
            "id": h["household_id"],
            "size": h["size"],
            "confidence": round(float(h["confidence"]), 4),
            "lineage": h["lineage"],
            "previous": [
                x["household_id"] if isinstance(x, dict) else str(x) for x in h.get("previous") or []
            ],
            "anchor": h["anchor_device"],
            "device_types": json.dumps(h["device_types"], sort_keys=True),
        }
        for h in out["households"]
    ]
    client.write("jobs/write_households", households, run=run_id, now=now)
    members = [
        {
            "device": m["device"],
            "household": m["household_id"],
            "confidence": round(float(m["confidence"]), 4),
            "evidence": json.dumps(m["evidence"], sort_keys=True),
            "pending": (pending.get(m["device"]) or {}).get("household"),
            "pending_runs": (pending.get(m["device"]) or {}).get("runs"),
            "pending_since": (pending.get(m["device"]) or {}).get("since"),
            "provisional": m["device"] in provisional,
        }
        for m in out["memberships"]
    ]
    client.write("jobs/write_memberships", members, batch_size=2000, run=run_id)
    homes = [
        {
            "household": h["household_id"],
            "networks": [{"network": n, "hours": None} for n in h["home_networks"]],
        }
        for h in out["households"]
    ]
    client.write("jobs/write_home_networks", homes, run=run_id)
    if full:
        client.run_write("jobs/delete_stale_memberships", run=run_id)
    else:
        client.run_write("jobs/delete_memberships", devices=[u["device"] for u in out["unassigned"]])
    # keys that are many devices (an app's placeholder MAC): activation must not cap them as one
    reason = UNASSIGNED_REASONS[-SHARED_KEY - 1]
    shared = [u["device"] for u in out["unassigned"] if u["reason"] == reason]
    if shared:  # an incremental run every 10 s mostly has none
        client.run_write("jobs/mark_shared_keys", devices=shared)
    if full:
        client.run_write("jobs/clear_shared_keys", devices=shared)
    retired = client.run_write("jobs/delete_empty_households")[0]["deleted"]
    ctx.counts.update(
        households=len(households),
        memberships=len(members),
        unassigned=len(out["unassigned"]),
        shared_keys=len(shared),
        retired=retired,
        lineage=dict(Counter(h["lineage"] for h in out["households"])),
    )


def run_households_job(
    ctx: JobContext,
    params: GraphParams,
    seed: int = 0,
    incremental: bool = False,
    devices: list[str] | None = None,
) -> None:
    """Full run: every device. Incremental: devices active since the last successful run and
    every device that shares a home-like network with them. ``devices``: exactly these (an erasure
    re-runs the household the erased device left)."""
    client = ctx.client
    if devices is not None:
        devices = sorted(devices)
    elif incremental:
        since = last_success(client, "households")
        if since is not None:
            # devices written after the last run started (its read may have missed them)
            touched = client.read(
                "jobs/read_touched_devices",
                since=since,
                limit=100_000,
                window=params.households.incremental_window_hours * 3_600_000,
            )[0]
            devices = sorted(set(touched["touched"]) | set(touched["neighbours"]))
            ctx.counts["touched"] = len(touched["touched"])
            if not touched["touched"]:
                ctx.progress("households: nothing new since the last run")
                return
    rows = all_presence(client, ctx.shared) if devices is None else presence_rows(client, devices=devices)
    if devices is not None and params.households.network.infer_local_offset:
        # a slice reads local time as the last full run did (a few devices say too little about it)
        offset = last_full_counts(client, "households").get("local_offset_hours")
        if offset is not None:
            params = replace(params, households=params.households.at_offset(int(offset)))
    ctx.progress(f"households: {len(rows):,} presence rows read")
    previous = current_assignment(client)
    pending, provisional = pending_moves(client) if previous else ({}, set())
    # a full run with stored households starts its Louvain splits from them (params.warm_start)
    run = run_households(rows, params.households, seed=seed, previous=previous if devices is None else None)
    ids = None
    if devices is not None:  # a slice of the data: hold it to the stored households and their ids
        run, ids = settle_run(run, previous, params.households)
    elif previous:  # live mode: a known device moves when full runs in a row agree (or by a margin)
        now = int(time.time() * 1000)
        run, ids, pending = hold_full_run(run, previous, pending, params.households, now, provisional)
        provisional = set()
    out = household_rows(run, previous, params.households, ids=ids)
    if devices is not None:  # a device an incremental run moved starts its proposal afresh
        pending = {
            m["device"]: pending[m["device"]]
            for m in out["memberships"]
            if m["device"] in pending and previous.get(m["device"]) == m["household_id"]
        }
    client.write("jobs/write_network_classes", network_class_rows(run), run=ctx.run_id)
    if devices is not None:  # placed by this run or an earlier incremental one: no full run's word yet
        provisional = {
            m["device"]
            for m in out["memberships"]
            if m["device"] in provisional or m["device"] not in previous
        }
    write_assignment(ctx, out, full=devices is None, pending=pending, provisional=provisional)
    ctx.counts["held_moves"] = len(pending)
    ctx.counts["provisional"] = len(provisional)
    ctx.counts["mode"] = "incremental" if devices is not None else "full"
    classes = Counter(NETWORK_CLASSES[int(c)] for c in run.net_class)
    ctx.counts["network_classes"] = dict(classes)
    ctx.counts["local_offset_hours"] = run.params.network.local_offset_hours
    ctx.progress(
        f"households: {ctx.counts['households']:,} households, {ctx.counts['unassigned']:,} unassigned"
        f" (local time UTC{ctx.counts['local_offset_hours']:+d})"
    )
