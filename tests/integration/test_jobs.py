"""Graph jobs against the real Neo4j on a small generated world."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from generator.evaluate import evaluate_files
from graph.admin import migrate
from graph.client import GraphClient
from graph.errors import JobLocked
from graph.export import households_csv, links_csv
from graph.jobs import JOBS, run_all, run_job
from graph.jobs.runs import job_lock
from ingest.errors import InvalidRecord
from tests.integration.world import ingested


@pytest.fixture
def client(neo4j_driver, services, clean_db, small_world) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    migrate(c)
    ingested(c, small_world)
    return c


def _export(client: GraphClient, tmp: Path) -> tuple[Path, Path]:
    hh, ln = tmp / "households.csv", tmp / "links.csv"
    hh.write_text(households_csv(client.read("export/read_household_export")))
    ln.write_text(links_csv(client.read("export/read_link_export")))
    return hh, ln


def test_all_jobs_record_runs_and_recover_households(client, small_world, tmp_path):
    contexts = run_all(client)
    assert [c.job for c in contexts][:3] == ["households", "social", "affinity"]
    assert sorted(c.job for c in contexts) == sorted(JOBS)  # every registered job, dependencies first
    runs = [r["run"] for r in client.read("jobs/read_runs", job=None, limit=10)]
    assert {r["job"] for r in runs} == set(JOBS)
    assert all(r["status"] == "succeeded" and r["ended"] >= r["started"] for r in runs)
    assert json.loads(next(r for r in runs if r["job"] == "households")["counts"])["households"] > 30

    hh, ln = _export(client, tmp_path)
    assert hh.read_text().splitlines()[0] == "device_key,household_id,confidence"
    assert ln.read_text().splitlines()[0] == "household_a,household_b,weight,evidence"
    scores = evaluate_files(orjson.loads((small_world / "truth.json").read_bytes()), hh, ln)
    assert scores.pair_precision > 0.9 and scores.ari > 0.6, scores


def test_rerun_keeps_household_ids(client, tmp_path):
    run_job(client, "households")
    first = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    ctx = run_job(client, "households")
    second = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    assert first == second and ctx.counts["lineage"] == {"same": ctx.counts["households"]}


def test_incremental_run_with_nothing_new_changes_nothing(client):
    run_job(client, "households")
    before = client.read("export/read_household_export")
    ctx = run_job(client, "households", incremental=True)
    assert ctx.counts.get("touched") == 0
    assert client.read("export/read_household_export") == before


def test_a_job_never_runs_twice_at_once(client):
    with job_lock(client, "households"), pytest.raises(JobLocked):
        run_job(client, "households")
    run_job(client, "households")  # the lock is released afterwards


def test_affinity_writes_profiles_and_genres(client):
    run_all(client)
    rows = client.read(
        "export/read_household_of_device", device=client.read("export/read_household_export")[0]["device_key"]
    )
    household = rows[0]["household"]
    assert household["devices"] >= 1 and len(household["hour_profile"]) == 24
    assert isinstance(household["top_genres"], list)


def _add_tablet_copy(client: GraphClient, world: Path) -> tuple[str, str]:
    """Ingest, as a new tablet's, the evening views of the assigned TV with the most of them (same
    home, same hours); returns the (TV key, tablet key)."""
    import time as _time

    from ingest.batch import SourceRecord, prepare
    from ingest.contract import normalize_mac, parse_view
    from ingest.pseudonym import Pseudonymizer
    from ingest.sink import write_batch
    from tests.integration.world import SECRET

    assignment = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    pseudo = Pseudonymizer(SECRET)
    now = int(_time.time() * 1000)
    by_tv: dict[str, list[dict]] = {}
    for line in (world / "events.jsonl").read_bytes().splitlines():
        try:
            ev = parse_view(line, now)
        except InvalidRecord:  # the world's malformed lines
            continue
        if ev.device_type == "tv" and pseudo.mac(ev.mac) in assignment:
            by_tv.setdefault(ev.mac, []).append(json.loads(line))
    tv_mac, events = max(by_tv.items(), key=lambda kv: len(kv[1]))
    new_mac = "02:aa:bb:cc:dd:01"
    copies = [
        {**e, "mac": new_mac, "device_type": "tablet", "event_id": f"copy-{i}"} for i, e in enumerate(events)
    ]
    recs = [SourceRecord("view", json.dumps(e).encode(), "t", 0, i) for i, e in enumerate(copies)]
    write_batch(client, prepare(recs, pseudo, now), "test", now)
    return pseudo.mac(tv_mac), pseudo.mac(normalize_mac(new_mac))


def test_a_placeholder_mac_in_every_home_is_a_shared_key_activation_reads(client, small_world):
    """Every assigned phone's app also sends the placeholder MAC (02:00:00:00:00:00) on its views: the
    full run keeps the households, leaves the key unassigned and labels it SharedKey, which the
    activation device map reads as a key with no household; a run that takes it for a device clears it."""
    import time as _time

    from graph.params import GraphParams, HouseholdParams
    from ingest.batch import SourceRecord, prepare
    from ingest.contract import parse_view
    from ingest.pseudonym import Pseudonymizer
    from ingest.sink import write_batch
    from tests.integration.world import SECRET

    run_job(client, "households")
    before = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    pseudo, now = Pseudonymizer(SECRET), int(_time.time() * 1000)
    copies = []
    for line in (small_world / "events.jsonl").read_bytes().splitlines():
        try:
            ev = parse_view(line, now)
        except InvalidRecord:
            continue
        if ev.device_type == "phone" and pseudo.mac(ev.mac) in before:
            copies.append({**json.loads(line), "mac": "02:00:00:00:00:00", "event_id": f"ph-{len(copies)}"})
    recs = [SourceRecord("view", json.dumps(e).encode(), "t", 0, i) for i, e in enumerate(copies)]
    write_batch(client, prepare(recs, pseudo, now), "test", now)
    key = pseudo.mac("02:00:00:00:00:00")

    ctx = run_job(client, "households")
    after = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    assert ctx.counts["shared_keys"] == 1 and key not in after
    assert after == before
    device_map = {r["device_key"]: r["household_id"] for r in client.read("activation/read_device_map")}
    assert key in device_map and device_map[key] is None
    blind = GraphParams(households=HouseholdParams(max_residences_per_hour=10**6))
    assert run_job(client, "households", params=blind).counts["shared_keys"] == 0
    assert key not in {
        r["device_key"] for r in client.read("activation/read_device_map") if r["household_id"] is None
    }


def test_incremental_run_places_a_new_device_in_its_home(client, small_world):
    import time as _time

    run_job(client, "households")
    tv, tablet = _add_tablet_copy(client, small_world)
    started = _time.monotonic()
    ctx = run_job(client, "households", incremental=True)
    elapsed = _time.monotonic() - started
    after = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    assert ctx.counts["touched"] == 1 and ctx.counts["mode"] == "incremental"
    assert after[tablet] == after[tv]
    assert elapsed < 30  # generous: the benchmark measures the real figure


def test_an_incremental_run_reads_local_time_as_the_last_full_run_did(client, small_world):
    from graph.params import GraphParams, HouseholdParams

    full = run_job(client, "households", params=GraphParams(households=HouseholdParams().at_offset(3)))
    assert full.counts["local_offset_hours"] == 3
    _add_tablet_copy(client, small_world)
    ctx = run_job(client, "households", incremental=True)  # the default: read from the data
    assert ctx.counts["mode"] == "incremental" and ctx.counts["local_offset_hours"] == 3
    again = run_job(client, "households")  # a full run reads it from all the data: the world's CET
    assert again.counts["local_offset_hours"] == 1
