"""The job shells through the recording fake of the database seam: what they read, and that every row
they write has exactly the fields its ``.cypher`` file declares in its ``// params: $rows: [{...}]`` header.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

import cypher
from graph.client import RecordingClient
from graph.jobs import JOBS, JobContext, JobSpec, job_order, schedule_of
from graph.jobs.schedule import build_scheduler
from graph.params import GraphParams
from graph.vocabulary import DAY_MS, HOUR_MS
from tests.unit.test_graph_worlds import home, stay


def declared_row_fields(query_name: str) -> set[str]:
    """Top-level field names of ``$rows`` in a query's header comment.

    >>> sorted(declared_row_fields("jobs/write_home_networks"))
    ['household', 'networks']
    """
    text = cypher.load(query_name).text
    header = re.search(r"\$rows: \[\{(.*)\}\]", text)
    assert header, f"{query_name} declares no $rows"
    fields, depth, word = [], 0, ""
    for ch in header.group(1):
        if ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            fields.append(word)
            word = ""
            continue
        if depth == 0:
            word += ch
    fields.append(word)
    return {f.strip().split(":")[0].split(" ")[0] for f in fields if f.strip()}


def _grouped(rows: list[dict]) -> list[dict]:
    """Presence rows as ``jobs/read_presence`` returns them (day edges grouped per device and network)."""
    out: dict[tuple, dict] = {}
    for r in rows:
        g = out.setdefault(
            (r["device"], r["network"]),
            {**{k: r[k] for k in ("device", "device_type", "network", "family")}, "days": [], "counts": []},
        )
        day = r["hour"] - r["hour"] % DAY_MS
        if day not in g["days"]:
            g["days"].append(day)
            g["counts"].append([0] * 24)
        g["counts"][g["days"].index(day)][(r["hour"] - day) // HOUR_MS] += r["events"]
    return list(out.values())


@pytest.fixture
def world() -> RecordingClient:
    presence = home("a", "net-a") + home("b", "net-b") + stay("a-ph", "phone", "net-b", [2, 9], [19])
    return RecordingClient(
        answers={
            "jobs/read_presence": _grouped(presence),
            "jobs/read_content": [
                {"content_id": "c1", "kind": "movie", "series_id": None, "genres": ["kids"], "age_rating": 6}
            ],
            "jobs/read_watch": [
                {"device": "a-tv", "contents": ["c1"], "views": [3], "seconds": [3600.0]},
                {"device": "b-tv", "contents": ["c1"], "views": [1], "seconds": [60.0]},
            ],
            "jobs/delete_empty_households": [{"deleted": 0}],
            "jobs/delete_stale_links": [{"deleted": 0}],
        }
    )


def _run(client: RecordingClient, name: str) -> JobContext:
    ctx = JobContext(client, f"{name}-run", name, {}, shared={})
    JOBS[name](ctx, GraphParams())
    return ctx


def _check_shapes(client: RecordingClient) -> dict[str, int]:
    written: dict[str, int] = defaultdict(int)
    for name, params in client.calls:
        if "rows" not in params:
            continue
        fields = declared_row_fields(name)
        for row in params["rows"]:
            assert set(row) == fields, (name, sorted(row), sorted(fields))
            json.dumps(row)  # plain data only: what the driver can send
            written[name] += 1
    return dict(written)


def test_households_shell_writes_what_its_queries_declare(world: RecordingClient) -> None:
    ctx = _run(world, "households")
    written = _check_shapes(world)
    assert written["jobs/write_households"] == ctx.counts["households"] == 2
    members = world.written("jobs/write_memberships")
    assert {m["device"] for m in members} == {f"{h}-{d}" for h in "ab" for d in ("tv", "ph", "tab")}
    assert all(0 <= m["confidence"] <= 1 and json.loads(m["evidence"]) for m in members)
    assert ctx.counts["mode"] == "full"
    assert ("jobs/delete_stale_memberships", {"run": "households-run"}) in world.calls


def test_a_full_run_with_stored_households_holds_a_split_until_the_next_full_run(world) -> None:
    _run(world, "households")
    devices = [m["device"] for m in world.written("jobs/write_memberships")]
    # both homes stored as one household: the run proposes a split; it waits for a second full run
    world.answers["jobs/read_assignment"] = [{"device": d, "household": "H"} for d in devices]
    world.calls.clear()
    ctx = _run(world, "households")
    _check_shapes(world)
    members = {m["device"]: m for m in world.written("jobs/write_memberships")}
    assert {m["household"] for m in members.values()} == {"H"} and ctx.counts["held_moves"] == 3
    held = {d: m for d, m in members.items() if m["pending"]}
    assert len(held) == 3 and {m["pending_runs"] for m in held.values()} == {1}
    world.answers["jobs/read_pending_moves"] = [
        # as if the first run was 6 hours ago (full_run_confirm_hours)
        {
            "device": d,
            "household": m["pending"],
            "runs": m["pending_runs"],
            "since": m["pending_since"] - 6 * HOUR_MS,
        }
        for d, m in held.items()
    ]
    world.calls.clear()
    _run(world, "households")
    members = {m["device"]: m for m in world.written("jobs/write_memberships")}
    assert len({m["household"] for m in members.values()}) == 2
    assert not any(m["pending"] for m in members.values())
    assert not any(m["provisional"] for m in members.values())  # a full run's word on every device


def test_social_and_affinity_shells_write_what_their_queries_declare(world: RecordingClient) -> None:
    _run(world, "households")
    world.answers["jobs/read_assignment"] = [
        {"device": m["device"], "household": m["household"]} for m in world.written("jobs/write_memberships")
    ]
    _run(world, "social")
    ctx = _run(world, "affinity")
    written = _check_shapes(world)
    assert written["jobs/write_household_profiles"] == ctx.counts["profiles"] == 2
    assert "jobs/write_likes" in written
    assert written.get("jobs/write_social_links") == 1  # a's phone visited b on two separate days


def test_the_registry_drives_order_schedule_and_scheduler() -> None:
    assert job_order(["affinity"]) == ["households", "affinity"]
    assert set(schedule_of({})) == {*JOBS, *(f"{n}:incremental" for n, s in JOBS.items() if s.incremental)}
    sched = build_scheduler(RecordingClient(), schedule_of({"social": 0}), background=True)
    ids = {job.id for job in sched.get_jobs()}
    assert ids == set(schedule_of({})) - {"social"}


def test_a_new_job_is_one_registration() -> None:
    ran = []
    spec = JobSpec(
        "extra", lambda ctx, params, seed=0, incremental=False: ran.append(ctx.job), 60, ("social",)
    )
    registry = {**JOBS, "extra": spec}
    assert job_order(["extra"], registry) == ["households", "social", "extra"]
    assert schedule_of({}, registry)["extra"] == 60
    spec(JobContext(RecordingClient(), "r", "extra", {}), GraphParams())
    assert ran == ["extra"]
