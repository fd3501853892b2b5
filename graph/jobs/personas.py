"""Personas job shell: device days → personas, history, age bands and household mix → the graph.

Full runs judge every device with days in the last ``history_days``; incremental runs only the
devices ingest wrote since the last successful run (a device's persona depends on its own days
only), then recompute the persona mix of those devices' households.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from graph.client import Client
from graph.device_columns import frames_from_columns
from graph.jobs.runs import JobContext, last_success
from graph.params import GraphParams
from graph.persona_model import household_personas, personas_from_frames
from graph.vocabulary import DAY_MS

__all__ = ["history_changes", "run_personas_job", "write_history"]


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
    series = {
        c["content_id"]: c["series_id"] for c in client.read_plain("jobs/read_content") if c["series_id"]
    }
    frames = frames_from_columns(records, p, series)
    result = personas_from_frames(frames, as_of_ms=as_of, params=p, data_start_ms=data_start)
    judged = [d["device"] for d in result.devices]
    client.write("jobs/write_personas", result.devices, run=ctx.run_id)
    created, replaced = write_history(client, result.history, judged, ctx.run_id)
    members = client.read("jobs/read_member_personas", devices=judged)
    households = household_personas(members, {m["device"]: m["household"] for m in members})
    client.write("jobs/write_household_personas", households, run=ctx.run_id)
    shares: dict[str, int] = {}
    for d in result.devices:
        shares[d["persona"]] = shares.get(d["persona"], 0) + 1
    ctx.counts.update(
        devices=len(result.devices),
        weeks=len(result.history),
        weeks_written=created + replaced,
        weeks_created=created,
        households=len(households),
        transitions=len(result.transitions),
        **{f"persona_{k}": v for k, v in sorted(shares.items())},
    )
    ctx.progress(f"personas: {len(result.devices):,} devices, {len(households):,} households, {shares}")


def history_changes(
    history: Sequence[dict[str, Any]], stored: Iterable[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split a run's history rows into weeks with no stored edge (to create) and weeks whose stored
    digest differs (to replace); weeks stored with the same digest are left alone.

    ``stored`` holds what ``jobs/read_persona_digests`` returns: per device, parallel ``weeks`` and
    ``digests``.

    >>> rows = [{"device": "a", "week": 1, "digest": "x"}, {"device": "a", "week": 2, "digest": "y"},
    ...         {"device": "b", "week": 1, "digest": "z"}]
    >>> new, changed = history_changes(rows, [{"device": "a", "weeks": [1, 2], "digests": ["x", "old"]}])
    >>> [(r["device"], r["week"]) for r in new], [(r["device"], r["week"]) for r in changed]
    ([('b', 1)], [('a', 2)])
    """
    digests = {(s["device"], w): d for s in stored for w, d in zip(s["weeks"], s["digests"], strict=True)}
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for h in history:
        old = digests.get((h["device"], h["week"]))
        if old is None:
            new.append(h)
        elif old != h["digest"]:
            changed.append(h)
    return new, changed


def write_history(
    client: Client, history: Sequence[dict[str, Any]], devices: list[str], run: str
) -> tuple[int, int]:
    """Write a run's ``HAS_PERSONA`` history: only the weeks that are new or whose digest changed.

    Parameters
    ----------
    client : Client
        The job's (fenced) client: one run at a time, so the digests read here stay true until written.
    history : sequence of dict
        ``PersonaResult.history`` rows.
    devices : list of str
        The devices judged, whose stored digests are read.
    run : str
        The run id stored on the edges.

    Returns
    -------
    tuple of int
        Weeks created and weeks replaced (a rerun on the same data: ``(0, 0)``).
    """
    new, changed = history_changes(history, client.read_plain("jobs/read_persona_digests", devices=devices))
    names = sorted({h["persona"] for h in new})
    client.write("jobs/merge_personas", [{"name": n} for n in names])
    # new weeks are the bulk of a first run: plain creates in big batches (no search per row)
    client.write("jobs/create_persona_history", new, batch_size=20_000, run=run)
    client.write("jobs/write_persona_history", changed, run=run)
    return len(new), len(changed)
