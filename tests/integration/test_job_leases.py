"""Job leases against the real Neo4j: crashed runs, racing schedulers and paused owners.

Processes are real (``hausgraph jobs run``, ``hausgraph scheduler`` and a small job in
:mod:`tests.integration.lease_child`), killed with SIGKILL or paused with SIGSTOP.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest

from graph.admin import migrate
from graph.client import GraphClient, connect
from graph.errors import JobLocked, LeaseLost
from graph.jobs.lease import FencedClient, LeaseParams, acquire_lease
from graph.jobs.owner import ProcessIdentity
from graph.jobs.runs import run_job_with_record
from graph.jobs.schedule import build_scheduler
from tests.integration.world import ingested
from tests.servers import ROOT

HAUSGRAPH = str(Path(sys.executable).with_name("hausgraph"))


@pytest.fixture
def client(neo4j_driver, services, clean_db) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=60)
    migrate(c)
    return c


@pytest.fixture
def env(services) -> dict[str, str]:
    """The environment of a child process: the session's Neo4j, logs at INFO."""
    return {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
        "HAUSGRAPH_LOG_LEVEL": "INFO",
        "COLUMNS": "200",
    }


def _facts(client: GraphClient, query: str, **params) -> list[dict]:
    records, _, _ = client.driver.execute_query(query, params, database_=client.database)
    return [r.data() for r in records]


def _run(client: GraphClient, run_id: str) -> dict:
    return _facts(client, "MATCH (r:JobRun {id: $id}) RETURN r {.*} AS r", id=run_id)[0]["r"]


def _runs(client: GraphClient, job: str) -> list[dict]:
    q = "MATCH (r:JobRun {job: $job}) RETURN r {.*} AS r ORDER BY r.started"
    return [row["r"] for row in _facts(client, q, job=job)]


def _households(client: GraphClient, prefix: str) -> list[str]:
    q = "MATCH (h:Household) WHERE h.id STARTS WITH $p RETURN h.id AS id ORDER BY id"
    return [r["id"] for r in _facts(client, q, p=prefix)]


def _child(env: dict[str, str], lease_s: float, heartbeat_s: float) -> tuple[subprocess.Popen, str]:
    """The small job of :mod:`tests.integration.lease_child`, once it has written its first row."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.lease_child", str(lease_s), str(heartbeat_s)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("wrote 1 "), line + proc.stdout.read()
    return proc, line.split()[2]


def _retry_until_acquired(job: str, timeout: float, body, client, lease: LeaseParams):
    """Run ``job`` with ``body``, retrying while it is locked; (context, refusals, seconds)."""
    started, refused = time.monotonic(), 0
    while True:
        try:
            return run_job_with_record(client, job, body, lease=lease), refused, time.monotonic() - started
        except JobLocked:
            refused += 1
            assert time.monotonic() - started < timeout, f"{job} still locked after {timeout} s"
            time.sleep(0.1)


def test_a_killed_run_is_taken_over_at_once_on_the_same_host(client, env, small_world):
    ingested(client, small_world)
    proc, dead_run = _child(env, lease_s=30, heartbeat_s=10)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = time.monotonic()
    assert _run(client, dead_run)["status"] == "running"  # killed mid-run, its record left open

    out = subprocess.run(
        [HAUSGRAPH, "jobs", "run", "households"], env=env, capture_output=True, text=True, timeout=300
    )
    seconds = time.monotonic() - killed
    said = out.stdout + out.stderr
    assert out.returncode == 0, said
    # not refused for the 30 s lease: the dead owner's lock is taken over at once
    assert seconds < 30, seconds
    assert f"was abandoned (owner pid {proc.pid} gone)" in " ".join(said.split()), said
    dead = _run(client, dead_run)
    assert dead["status"] == "abandoned" and dead["error"] == f"owner pid {proc.pid} gone"
    new = _runs(client, "households")[-1]
    assert new["status"] == "succeeded" and dead["abandoned_by"] == new["id"]
    assert dead["ended"] <= new["started"]

    listing = subprocess.run(
        [HAUSGRAPH, "jobs", "runs", "--job", "households"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listing.returncode == 0 and "abandoned" in listing.stderr + listing.stdout
    assert f"owner pid {proc.pid} gone" in " ".join((listing.stderr + listing.stdout).split())
    print(f"\nSIGKILL → next CLI run done in {seconds:.1f} s (lease 30 s)")


def test_a_lease_from_another_host_is_taken_over_when_it_runs_out(client):
    elsewhere = ProcessIdentity("elsewhere", 4242)
    # 5 s: long enough that a loaded box's next steps end before it runs out (2 s did not, once)
    lease = acquire_lease(client, "social", "social-crashed", LeaseParams(5.0, 0.5), me=elsewhere)
    stale = FencedClient(client, lease)
    stale.run_write("jobs/start_run", id="social-crashed", job="social", started=0, params="{}")
    # no heartbeat: the process on the other host is gone, and nobody here can see that
    expires = _facts(client, "MATCH (l:JobLock {job: 'social'}) RETURN l.expires AS t")[0]["t"]

    ctx, refused, seconds = _retry_until_acquired(
        "social", 10, lambda ctx: None, client, LeaseParams(30.0, 10.0)
    )
    assert refused > 0 and seconds < 5.0 + 3.0, (refused, seconds)  # the lease plus a margin
    assert ctx.lease.took_over == "lease expired" and ctx.lease.generation == lease.generation + 1
    assert ctx.abandoned_before and "social-crashed was abandoned (lease expired)" in ctx.abandoned_before
    crashed = _run(client, "social-crashed")
    assert crashed["status"] == "abandoned" and crashed["error"] == "lease expired"
    assert crashed["abandoned_at"] >= expires  # by the server's clock, not a moment before
    with pytest.raises(LeaseLost):  # the old holder, were it still alive, can write nothing now
        stale.write("jobs/write_households", [{"id": "late", "size": 1}], run="social-crashed", now=0)
    assert _households(client, "late") == []
    print(f"\nlease 5 s from another host: taken over after {seconds:.1f} s, {refused} refusals")


@pytest.mark.parametrize("expired", [False, True], ids=["new-lock", "expired-lock"])
def test_of_racing_takers_exactly_one_wins(client, expired):
    before = 0
    if expired:
        old = acquire_lease(
            client, "affinity", "affinity-old", LeaseParams(0.3, 0.1), me=ProcessIdentity("x", 1)
        )
        FencedClient(client, old).run_write(
            "jobs/start_run", id="affinity-old", job="affinity", started=0, params="{}"
        )
        before = old.generation
        time.sleep(0.5)
    barrier, results = threading.Barrier(8), []

    def take(i: int) -> None:
        barrier.wait()
        try:
            lease = acquire_lease(client, "affinity", f"r{i}", me=ProcessIdentity(f"racer{i}", 100 + i))
            results.append(("won", lease))
        except JobLocked:
            results.append(("lost", None))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [lease for outcome, lease in results if outcome == "won"]
    assert len(results) == 8 and len(winners) == 1
    assert winners[0].generation == before + 1
    lock = _facts(client, "MATCH (l:JobLock {job: 'affinity'}) RETURN l.owner AS owner")[0]
    assert lock["owner"] == winners[0].owner
    if expired:
        assert [r["id"] for r in winners[0].abandoned] == ["affinity-old"]


def _scheduler(env: dict[str, str], every: int) -> subprocess.Popen:
    schedule = {"households": every, "households:incremental": 0, "social": every, "affinity": every}
    return subprocess.Popen(
        [HAUSGRAPH, "scheduler"],
        env={**env, "HAUSGRAPH_JOB_SCHEDULE_S": json.dumps(schedule)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_two_schedulers_started_together_run_each_job_once_per_tick(client, services, small_world, caplog):
    ingested(client, small_world)
    every = 4
    schedule = {"households": every, "households:incremental": 0, "social": every, "affinity": every}
    clients = [
        GraphClient(
            connect(services.neo4j_uri, services.neo4j_user, services.neo4j_password),
            services.neo4j_database,
            timeout=60,
        )
        for _ in range(2)
    ]
    caplog.set_level(logging.INFO, logger="graph.jobs.schedule")
    scheds = [build_scheduler(c, schedule, say=lambda m: None, background=True) for c in clients]
    started = time.monotonic()
    for sched in scheds:  # their ticks fall within milliseconds of each other
        sched.start()
    while any(len(_runs(client, j)) < 2 for j in ("households", "social", "affinity")):
        assert time.monotonic() - started < 120, "the schedulers did not run every job twice in 120 s"
        time.sleep(0.5)
    for sched in scheds:
        sched.shutdown(wait=True)
    elapsed = time.monotonic() - started
    for c in clients:
        c.close()
    skipped = [r.getMessage() for r in caplog.records if "reason=locked" in r.getMessage()]
    for job in ("households", "social", "affinity"):
        runs = _runs(client, job)
        assert all(r["status"] == "succeeded" for r in runs), (job, runs)
        for first, then in pairwise(runs):  # one at a time: each run ends before the next starts
            assert first["ended"] <= then["started"], (job, first, then)
        # once per tick, not once per scheduler (households ticks at once, the others after `every`)
        ticks = int(elapsed // every) + (1 if job == "households" else 0)
        assert len(runs) <= ticks, (job, len(runs), ticks)
        assert any(f"job={job} " in m for m in skipped), (job, skipped)  # the other one was refused
    print(f"\ntwo schedulers, {elapsed:.0f} s: {len(skipped)} ticks refused by the lease")


def test_a_killed_scheduler_started_again_recovers_at_once(client, env, small_world):
    ingested(client, small_world)
    first = _scheduler(env, 3)
    deadline = time.monotonic() + 60
    q = "MATCH (l:JobLock {job: 'households'}) RETURN l.pid AS pid, l.run AS run"
    while True:  # kill it while it holds the households lease, mid-run
        held = _facts(client, q)
        if held and held[0]["pid"] == first.pid:
            break
        assert time.monotonic() < deadline, "the scheduler never ran households"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed = time.monotonic()
    dead_run = held[0]["run"]
    again = _scheduler(env, 3)
    try:
        while True:
            done = [
                r for r in _runs(client, "households") if r["status"] == "succeeded" and r["id"] != dead_run
            ]
            if done and done[-1]["started"] > 0 and _run(client, done[-1]["id"]).get("ended"):
                break
            assert time.monotonic() - killed < 30, "households did not run again within 30 s"
            time.sleep(0.2)
        seconds = time.monotonic() - killed
    finally:
        said = _stop(again)
    dead = [r for r in _runs(client, "households") if r["id"] == dead_run]
    if dead:  # killed after its record was written: closed as abandoned by the new scheduler
        assert dead[0]["status"] == "abandoned" and dead[0]["error"] == f"owner pid {first.pid} gone", said
    print(f"\nscheduler SIGKILLed and restarted: households succeeded again {seconds:.1f} s after the kill")


def test_a_paused_owner_cannot_write_after_the_take_over(client, env):
    proc, paused_run = _child(env, lease_s=2.0, heartbeat_s=0.5)
    try:
        proc.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()

        def body(ctx):
            from tests.integration.lease_child import household

            ctx.client.write("jobs/write_households", [household("lease-test-3")], run=ctx.run_id, now=0)

        ctx, refused, _ = _retry_until_acquired("households", 15, body, client, LeaseParams(30.0, 10.0))
        seconds = time.monotonic() - stopped
        assert refused > 0 and seconds >= 1.5, (refused, seconds)  # its pid lives: only the lease runs out
        assert ctx.lease.took_over == "lease expired"
        paused = _run(client, paused_run)
        assert paused["status"] == "abandoned" and paused["error"] == "lease expired"
    finally:
        proc.send_signal(signal.SIGCONT)
    out, _ = proc.communicate("go\n", timeout=60)
    assert proc.returncode == 3, out
    assert "lost its lease" in out and "wrote 2" not in out
    assert _households(client, "lease-test-") == ["lease-test-1", "lease-test-3"]
    assert _run(client, paused_run)["status"] == "abandoned"  # its late finish changed nothing
    assert _run(client, ctx.run_id)["status"] == "succeeded"
    print(f"\nSIGSTOP past a 2 s lease: taken over after {seconds:.1f} s; the late write refused")


def test_the_jobs_page_shows_an_abandoned_run_apart(client, services, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    gone = acquire_lease(client, "social", "social-gone", LeaseParams(0.3, 0.1), me=ProcessIdentity("x", 1))
    FencedClient(client, gone).run_write(
        "jobs/start_run", id="social-gone", job="social", started=0, params="{}"
    )
    time.sleep(0.5)
    _retry_until_acquired("social", 10, lambda ctx: None, client, LeaseParams(30.0, 10.0))
    for key, value in {
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HAUSGRAPH_DASHBOARD_PASSWORD", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=90)
        at.run()
        at.switch_page("screens/jobs.py").run()
        assert not at.exception, [e.value for e in at.exception]
        warnings = " ".join(w.value for w in at.warning)
        assert "Abandoned runs" in warnings and "social-gone" in warnings and "lease expired" in warnings
        table = at.dataframe[0].value
        assert set(table["status"]) == {"⚠️ abandoned", "✅ succeeded"}
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
