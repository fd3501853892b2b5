"""Job leases without a server: take-over decisions, fencing of every job write, the heartbeat."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from graph.client import RecordingClient
from graph.errors import JobLocked, LeaseLost
from graph.jobs.lease import FencedClient, Heartbeat, Lease, LeaseParams, acquire_lease
from graph.jobs.owner import ProcessIdentity, this_process
from graph.jobs.runs import run_job_with_record
from hausgraph.runtime import job_lease
from hausgraph.settings import Settings

ME = ProcessIdentity("vm", 100, boot="b1", pidns="pid:[1]", started=10.0)


def _held(**over: Any) -> dict[str, Any]:
    row = {
        "acquired": False,
        "reason": None,
        "owner": "vm:22488:deadbeef",
        "host": "vm",
        "pid": 22488,
        "boot": "b1",
        "pidns": "pid:[1]",
        "pid_started": 5.0,
        "since": 0,
        "expires": 30_000,
        "generation": 7,
        "now": 1000,
        "abandoned": [],
    }
    return {**row, **over}


def _won(generation: int = 8, reason: str = "free", abandoned: list | None = None) -> dict[str, Any]:
    return _held(acquired=True, reason=reason, owner="me", generation=generation, abandoned=abandoned or [])


@dataclass
class ScriptedClient(RecordingClient):
    """A recording client whose answers to a query may be a queue (one answer per call)."""

    queues: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)

    def run_write(self, name: str, /, **params: Any) -> list[dict[str, Any]]:
        rows = super().run_write(name, **params)
        queue = self.queues.get(name)
        return queue.pop(0) if queue else rows


def test_a_lock_held_by_a_gone_process_on_this_host_is_taken_over_in_a_second_atomic_attempt():
    client = ScriptedClient(queues={"jobs/acquire_lock": [[_held()], [_won(reason="owner pid 22488 gone")]]})
    lease = acquire_lease(client, "households", "run-2", me=ME, probe=lambda pid: None)
    first, second = (p for n, p in client.calls if n == "jobs/acquire_lock")
    assert first["gone_owner"] is None
    # compare-and-swap on the very owner found gone, with the reason the abandoned run keeps
    assert second["gone_owner"] == "vm:22488:deadbeef" and second["gone_reason"] == "owner pid 22488 gone"
    assert lease.generation == 8 and lease.took_over == "owner pid 22488 gone"
    assert second["run"] == "run-2" and second["lease_ms"] == 30_000 and second["pid"] == 100


@pytest.mark.parametrize(
    ("held", "probe"),
    [
        (_held(), lambda pid: 5.0),  # alive, same start time
        (_held(host="other"), lambda pid: None),  # another machine: only the lease can tell
        (_held(pidns="pid:[2]"), lambda pid: None),  # another container with our host name
    ],
)
def test_a_live_or_foreign_holder_keeps_its_lease(held, probe):
    client = ScriptedClient(queues={"jobs/acquire_lock": [[held]]})
    with pytest.raises(JobLocked) as err:
        acquire_lease(client, "households", "run-2", me=ME, probe=probe)
    assert [n for n, _ in client.calls] == ["jobs/acquire_lock"]
    assert err.value.owner == held["owner"]
    assert "job households is already running (owner vm:22488:deadbeef" in str(err.value)
    assert "lease until 00:00:30 UTC" in str(err.value)


def test_a_legacy_lock_without_host_fields_is_read_from_its_owner_string():
    legacy = _held(host=None, pid=None, boot=None, pidns=None, pid_started=None)
    client = ScriptedClient(queues={"jobs/acquire_lock": [[legacy], [_won(reason="owner pid 22488 gone")]]})
    assert acquire_lease(client, "households", "r", me=ME, probe=lambda pid: None).generation == 8


def _recording_run(valid: bool = True) -> tuple[ScriptedClient, list[tuple[str, dict]]]:
    client = ScriptedClient(
        answers={
            "jobs/check_lease": [{"valid": valid, "owner": "me" if valid else "other", "generation": 8}],
            "jobs/read_previous_run": [
                {"run": {"id": "households-0", "status": "abandoned", "error": "lease expired", "ended": 0}}
            ],
            "jobs/release_lock": [{"released": 1}],
            "jobs/finish_run": [{"finished": 1}],
        },
        queues={"jobs/acquire_lock": [[_won()]]},
    )
    return client, client.calls


def test_every_write_of_a_job_body_runs_behind_the_lease_check():
    client, calls = _recording_run()
    said: list[str] = []

    def body(ctx):
        ctx.client.write("jobs/write_households", [{"id": i} for i in range(5)], batch_size=2, run=ctx.run_id)
        ctx.client.run_write("jobs/delete_empty_households")
        ctx.counts["n"] = 5

    ctx = run_job_with_record(client, "households", body, progress=said.append, lease=LeaseParams(30, 10))
    names = [n for n, _ in calls]
    writes = [
        i for i, n in enumerate(names) if n.startswith(("jobs/write", "jobs/delete", "jobs/st", "jobs/fi"))
    ]
    assert [names[i] for i in writes] == [
        "jobs/start_run",
        "jobs/write_households",
        "jobs/write_households",
        "jobs/write_households",
        "jobs/delete_empty_households",
        "jobs/finish_run",
    ]
    owner = calls[0][1]["owner"]
    for i in writes:  # each write right behind a check of this lease's generation, in its transaction
        assert names[i - 1] == "jobs/check_lease"
        assert calls[i - 1][1] == {"job": "households", "owner": owner, "generation": 8}
    assert names[-1] == "jobs/release_lock" and calls[-1][1]["generation"] == 8
    assert ctx.abandoned_before and "previous run households-0 was abandoned (lease expired)" in said[0]


def test_a_stale_lease_refuses_the_write_with_a_clear_error():
    client, calls = _recording_run(valid=False)
    lease = Lease("households", "me", 8, "r", LeaseParams())
    fenced = FencedClient(client, lease)
    with pytest.raises(LeaseLost, match=r"job households lost its lease \(generation 8; now other"):
        fenced.write("jobs/write_households", [{"id": 1}], run="r")
    assert "jobs/write_households" not in [n for n, _ in calls] and lease.lost.is_set()


def test_a_run_whose_lease_was_taken_over_fails_and_leaves_its_abandoned_record_alone():
    client, calls = _recording_run(valid=False)
    with pytest.raises(LeaseLost):
        run_job_with_record(client, "households", lambda ctx: None)
    assert not [n for n, _ in calls if n in ("jobs/start_run", "jobs/finish_run")]


def test_the_heartbeat_renews_and_notices_a_take_over():
    client = ScriptedClient(queues={"jobs/renew_lock": [[{"renewed": 1}], [{"renewed": 0}]]})
    lease = Lease("social", "me", 3, "r", LeaseParams(lease_s=0.2, heartbeat_s=0.02))
    beat = Heartbeat(client, lease)
    beat.start()
    assert lease.lost.wait(2.0)
    beat.stop()
    renewals = [p for n, p in client.calls if n == "jobs/renew_lock"]
    assert len(renewals) == 2 and renewals[0] == {
        "job": "social",
        "owner": "me",
        "generation": 3,
        "lease_ms": 200,
    }


def test_the_heartbeat_stops_with_the_job():
    client = RecordingClient(answers={"jobs/renew_lock": [{"renewed": 1}]})
    beat = Heartbeat(client, Lease("social", "me", 3, "r", LeaseParams(lease_s=1, heartbeat_s=0.01)))
    beat.start()
    time.sleep(0.1)
    beat.stop()
    assert not beat.is_alive()
    n = len(client.calls)
    time.sleep(0.05)
    assert len(client.calls) == n > 0


def test_lease_settings_are_typed_and_checked():
    assert job_lease(Settings(job_lease_s=12, job_heartbeat_s=4)) == LeaseParams(12.0, 4.0)
    with pytest.raises(ValueError, match="shorter than lease_s"):
        job_lease(Settings(job_lease_s=5, job_heartbeat_s=10))
    with pytest.raises(ValueError):
        Settings(job_lease_s=0)


def test_this_process_knows_itself():
    me = this_process()
    from graph.jobs.owner import gone_reason, probe_process

    assert probe_process(me.pid) == pytest.approx(me.started)
    held = {"owner": f"{me.host}:{me.pid}:x", "host": me.host, "pid": me.pid, "pid_started": me.started}
    assert gone_reason(held, me) is None
