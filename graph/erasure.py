"""Erasure of devices (GDPR Art. 17): suppress, delete, re-derive what the device was part of.

The steps, in this order so that a running ingester cannot bring the device back for long:

1. its key's digest goes on the suppression list (``ErasedDevice``), which ingest checks;
2. the device is deleted with every edge (presence, watch, exposure, membership);
3. the household it left is clustered again from its remaining devices (or retired when empty);
4. the social and affinity jobs run again, since link evidence names visiting devices.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from graph.client import GraphClient
from graph.errors import JobLocked
from graph.jobs.households import run_households_job
from graph.jobs.pipeline import run_job
from graph.jobs.runs import run_job_with_record
from graph.params import GraphParams
from graph.privacy import erasure_digest

__all__ = ["erase_devices"]

log = logging.getLogger(__name__)


def erase_devices(
    client: GraphClient,
    device_keys: Iterable[str],
    params: GraphParams | None = None,
    rederive: bool = True,
    progress: Callable[[str], None] = lambda msg: None,
) -> dict[str, Any]:
    """Erase ``device_keys`` from the graph and keep them out of it.

    Parameters
    ----------
    client : GraphClient
        The database seam.
    device_keys : iterable of str
        Contract §3 device keys (a MAC is keyed by the caller).
    params : GraphParams, optional
        Settings of the jobs that re-derive households, links and affinities.
    rederive : bool
        Re-run the left households and the social and affinity jobs (default). Without it the
        derived data still mentions the devices until those jobs run on their schedule.

    Returns
    -------
    dict
        Counts: ``requested, suppressed, devices, edges, households, rederived`` (names of jobs run).
    """
    keys = sorted({k.strip().lower() for k in device_keys if k.strip()})
    p = params or GraphParams()
    counts: dict[str, Any] = {"requested": len(keys)}
    client.write("privacy/write_erased_devices", [{"digest": erasure_digest(k)} for k in keys], now=_now_ms())
    counts["suppressed"] = len(keys)
    found = client.read("privacy/read_device_households", devices=keys)
    households = sorted({r["household"] for r in found if r["household"]})
    deleted = client.run_write("privacy/delete_devices", devices=keys)[0]
    client.run_write("privacy/delete_cap_units", devices=keys)
    counts.update(devices=deleted["devices"], edges=deleted["edges"], households=len(households))
    progress(f"erase: {deleted['devices']} devices, {deleted['edges']} edges deleted")
    log.info("devices erased devices=%d edges=%d", deleted["devices"], deleted["edges"])
    counts["rederived"] = []
    if rederive and deleted["devices"]:
        counts["rederived"] = _rederive(client, households, p, progress)
    return counts


def _rederive(
    client: GraphClient, households: list[str], params: GraphParams, progress: Callable[[str], None]
) -> list[str]:
    """Cluster the left households again, then refresh links and affinities; the jobs run."""
    ran = []
    members = client.read("privacy/read_household_members", households=households)[0]["devices"]
    if members:
        run_job_with_record(
            client,
            "households",
            lambda ctx: run_households_job(ctx, params, devices=members),
            params={"erasure": True, "devices": len(members)},
            progress=progress,
        )
        ran.append("households")
    client.run_write("jobs/delete_empty_households")
    for name in ("social", "affinity"):
        try:
            run_job(client, name, params, progress=progress)
            ran.append(name)
        except JobLocked:
            # a run in progress may have read the device before it was deleted: its next run drops it
            progress(f"erase: {name} is running now; its next scheduled run drops the erased devices")
    return ran


def _now_ms() -> int:
    return int(time.time() * 1000)
