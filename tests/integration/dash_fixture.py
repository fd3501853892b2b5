"""The graph the dashboard tests and bench run against, made by the real pipeline.

A generated world (``tests/integration/world.py``) is ingested from its files and the graph jobs
(``graph.jobs.run_all``) derive households, social links and affinities, exactly as in production.
The app must be given :data:`SECRET` (``HAUSGRAPH_PSEUDONYM_SECRET``) so that MAC look-ups work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graph.jobs
from graph.admin import migrate, reset
from graph.client import GraphClient
from ingest.pseudonym import Pseudonymizer
from tests.integration.conftest import claim_database
from tests.integration.world import SECRET, ingested, make_world

__all__ = ["SECRET", "RealWorld", "app_env", "app_session", "graph_facts", "load_real_world"]


@dataclass
class RealWorld:
    """A loaded world: its directory, the generator's truth, and how long loading took."""

    out: Path
    truth: dict[str, Any]
    loaded: bool  # False when the graph already held this world and was reused
    timings: dict[str, float] = field(default_factory=dict)

    def mac_of(self, device_key: str) -> str:
        """The raw MAC a user would type for a device key (from the truth's MACs)."""
        pseudo = Pseudonymizer(SECRET)
        for mac in self.truth["device_household_by_mac"]:
            if pseudo.mac(mac) == device_key:
                return mac
        raise KeyError(device_key)


def _already_loaded(client: GraphClient, truth: dict[str, Any]) -> bool:
    """The graph holds exactly this world's ingest and one successful run of every job, nothing newer."""
    rows = client.driver.execute_query(
        "OPTIONAL MATCH (s:IngestStats {id: 'file:view'}) "
        "WITH s CALL () { MATCH (r:JobRun) RETURN collect(r.job + ':' + r.status) AS runs } "
        "CALL () { MATCH (d:Device) RETURN count(d) AS devices } "
        "RETURN s.valid + s.invalid AS read, runs, devices",
        database_=client.database,
    ).records[0]
    # every line of the world's events file was read exactly once (valid or dead-lettered)
    return (
        rows["read"] == truth["counts"]["lines"]
        and rows["devices"] > 0
        and sorted(rows["runs"]) == sorted(f"{j}:succeeded" for j in graph.jobs.JOBS)
    )


#: (households, days, seed) -> the session's directory of that world (generated once, read only)
_WORLD_DIRS: dict[tuple[int, int, int], Path] = {}


def load_real_world(
    client: GraphClient, out: Path, households: int = 72, days: int = 7, seed: int = 11, reuse: bool = True
) -> RealWorld:
    """Generate the world in ``out`` (unless this session already has it elsewhere: that directory
    is the world's), then empty the graph, ingest it and run every job (:func:`ingested`: the
    session's first load does it, later loads restore its graph).

    With ``reuse`` a graph that already holds this very world (same ingest, one good run per job) is kept.
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    params = (households, days, seed)
    if params not in _WORLD_DIRS:
        make_world(out, households, days, seed)
        _WORLD_DIRS[params] = out
    out = _WORLD_DIRS[params]
    truth = json.loads((out / "truth.json").read_text())
    timings["generate"] = time.perf_counter() - t
    if reuse and _already_loaded(client, truth):
        return RealWorld(out, truth, loaded=False, timings=timings)
    t = time.perf_counter()
    claim_database(client.driver, client.database)
    reset(client)  # deletes the mark too: the now empty database is claimed again
    claim_database(client.driver, client.database)
    migrate(client)
    ingested(client, out, then=graph.jobs.run_all)
    timings["ingest and jobs"] = time.perf_counter() - t
    return RealWorld(out, truth, loaded=True, timings=timings)


def app_env(services) -> dict[str, str]:
    """The environment that points the app (in-process or a child) at the session's servers and secret."""
    return {
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
        "HAUSGRAPH_PSEUDONYM_SECRET": SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": services.kafka_bootstrap,
    }


@contextmanager
def app_session(services, extra: dict[str, str] | None = None) -> Iterator[None]:
    """In-process app tests' environment: :func:`app_env` (plus ``extra``), served on loopback, where use
    without sign-in is allowed (and only there), with Streamlit's caches cleared before and after."""
    import pytest
    import streamlit as st

    with pytest.MonkeyPatch.context() as mp:
        for k, v in {**app_env(services), **(extra or {})}.items():
            mp.setenv(k, v)
        mp.delenv("HAUSGRAPH_DASHBOARD_PASSWORD", raising=False)
        mp.delenv("HAUSGRAPH_DASHBOARD_ANALYST_PASSWORD", raising=False)
        st.config.set_option("server.address", "127.0.0.1")
        st.cache_resource.clear()
        st.cache_data.clear()
        try:
            yield
        finally:
            st.cache_resource.clear()
            st.cache_data.clear()


def graph_facts(client: GraphClient, query: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of an ad-hoc read, for tests to compare a page with the graph itself."""
    return [r.data() for r in client.driver.execute_query(query, params, database_=client.database).records]
