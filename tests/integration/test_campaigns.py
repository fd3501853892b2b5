"""Campaign figures on a generated world against a brute-force count over its events file (#16)."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict

import pytest
from typer.testing import CliRunner

import graph.jobs
from graph.admin import migrate, reset
from graph.campaigns.metrics import HEADLINE_KEYS
from graph.client import GraphClient
from graph.jobs.campaigns import read_campaign_reports, read_plan
from graph.vocabulary import DAY_MS
from ingest.contract import parse_view
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer
from ingest.rows import event_identity
from tests.integration.conftest import claim_database
from tests.integration.world import SECRET, ingest_dir, make_world

PSEUDO = Pseudonymizer(SECRET)
COPY_MS = 2000


@pytest.fixture(scope="module")
def loaded(neo4j_driver, services, tmp_path_factory):
    client = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    out = tmp_path_factory.mktemp("campaign-world")
    truth = make_world(out, households=60, days=7, seed=5)
    claim_database(client.driver, client.database)
    reset(client)
    claim_database(client.driver, client.database)  # reset removed the tests' mark: set it again
    migrate(client)
    ingest_dir(client, out, batch=3000)
    graph.jobs.run_all(client)
    return client, out, truth


def _brute_force(out, assignment: dict[str, str]) -> dict[str, dict]:
    """Per campaign: counts with duplicates per contract §5, device and household reach, per source."""
    now = int(time.time() * 1000)
    seen: set[int] = set()
    groups: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for line in (out / "events.jsonl").read_bytes().splitlines():
        try:
            ev = parse_view(line, now)
        except InvalidRecord:
            continue
        eid = event_identity(ev, PSEUDO)
        if eid in seen or ev.event not in ("impression", "click", "conversion"):
            seen.add(eid)
            continue
        seen.add(eid)
        key = (
            ev.campaign_id or "(none)",
            PSEUDO.mac(ev.mac),
            ev.ad_id or "",
            ev.ts_ms // DAY_MS,
            ev.source or "",
        )
        groups[key].append((ev.ts_ms, ev.event))
    res: dict[str, dict] = defaultdict(
        lambda: {"n": Counter(), "dup": 0, "devices": set(), "households": set(), "src_dup": Counter()}
    )
    for (campaign, device, _ad, _day, source), events in groups.items():
        r = res[campaign]
        last: dict[str, int] = {}
        for ts, kind in sorted(events):
            if kind in last and ts - last[kind] <= COPY_MS:
                r["dup"] += 1
                r["src_dup"][source] += 1
                continue
            last[kind] = ts
            r["n"][kind] += 1
        r["devices"].add(device)
        r["households"].add(assignment.get(device, "device:" + device))
    return res


def test_every_campaign_total_equals_a_brute_force_count(loaded):
    client, out, truth = loaded
    assignment = {r["device_key"]: r["household_id"] for r in client.read("export/read_household_export")}
    assert assignment, "the households job assigned no device"
    want = _brute_force(out, assignment)
    reports = {r["campaign_id"]: r for r in read_campaign_reports(client, detail=True)}
    # the fast headline path (aggregated in the server) says the same as the detailed one
    headlines = read_campaign_reports(client)
    assert headlines == [{k: reports[h["campaign_id"]][k] for k in HEADLINE_KEYS} for h in headlines]
    assert [h["campaign_id"] for h in headlines] == sorted(reports)
    # the units over the cap the campaigns job stored equal a sort of every impression time now
    assert read_campaign_reports(client, stored_cap=False) == headlines
    assert set(reports) == set(want) | {f"cmp-{i:02d}" for i in range(30)}
    mismatches = []
    for cid, w in want.items():
        r = reports[cid]
        src = {s["source"]: s["duplicates"] for s in r["by_source"] if s["duplicates"]}
        got = (r["impressions"], r["clicks"], r["conversions"], r["duplicates"], r["devices_reached"],
               r["households_reached"], src)  # fmt: skip
        exp = (w["n"]["impression"], w["n"]["click"], w["n"]["conversion"], w["dup"], len(w["devices"]),
               len(w["households"]), dict(w["src_dup"]))  # fmt: skip
        if got != exp:
            mismatches.append((cid, got, exp))
    assert mismatches == []
    # the generator's re-sent copies are all found (organic repeats within 2 s may add a few)
    injected = truth["campaigns"]["bid_copies_by_campaign"]
    assert sum(injected.values()) > 0
    for cid, n in injected.items():
        assert reports[cid]["duplicates"] >= n
    assert sum(r["duplicates"] for r in reports.values()) <= 1.05 * sum(injected.values()) + 5


def test_campaign_records_replace_and_the_invalid_one_is_a_dead_letter(loaded):
    client, out, _ = loaded
    records = [json.loads(x) for x in (out / "campaigns.jsonl").read_text().splitlines()]
    last = {r["campaign_id"]: r for r in records}
    reports = {r["campaign_id"]: r for r in read_campaign_reports(client)}
    assert reports["cmp-00"]["budget"] == last["cmp-00"]["budget"] != records[0]["budget"]
    assert "cmp-bad" not in reports
    dead = {r["reason"]: r["count"] for r in client.read("ingest/read_stats")[0]["dead_letters"]}
    assert dead.get("bad_split") == 1
    for cid, r in reports.items():
        rec = last[cid]
        units = {"cpm": r["impressions"] / 1000, "cpc": r["clicks"], "cpa": r["conversions"]}[
            rec["cost_model"]
        ]
        assert r["spend"] == pytest.approx(units * rec["rate"])
        assert r["budget_left"] == pytest.approx(rec["budget"] - r["spend"])


def test_replaying_the_world_changes_no_campaign_figure(loaded):
    client, out, _ = loaded
    before = read_campaign_reports(client)
    ingest_dir(client, out, batch=7000)
    assert read_campaign_reports(client) == before


def test_plan_splits_money_and_refuses_unreachable_types(loaded):
    client, _, _ = loaded
    plan = read_plan(client, 1000.0, {"tv": 0.5, "phone": 0.3, "tablet": 0.2})
    assert sum(r["money"] for r in plan["split"]) == pytest.approx(1000.0)
    assert all(r["households"] > 0 for r in plan["split"])
    assert sum(plan["recommended"].values()) == pytest.approx(1.0, abs=1e-3)
    from graph.campaigns.plan import PlanRefused

    with pytest.raises(PlanRefused, match="no reachable tv devices"):
        read_plan(client, 1000.0, {"tv": 1.0}, {"min_affluence": 1.01})


def test_cli_report_json_and_plan(loaded, services, monkeypatch):
    from hausgraph.cli import app
    from hausgraph.cli.common import get_settings

    client, _, _ = loaded
    for k, v in {
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
        "HAUSGRAPH_PSEUDONYM_SECRET": SECRET,
    }.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    runner = CliRunner()
    res = runner.invoke(app, ["campaigns", "report", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    keys = {"campaign_id", "impressions", "clicks", "conversions", "devices_reached", "households_reached",
            "duplicates", "spend"}  # fmt: skip
    assert rows and all(keys <= set(r) for r in rows)
    assert rows == json.loads(json.dumps(read_campaign_reports(client)))
    detailed = runner.invoke(app, ["campaigns", "report", "--campaign", "cmp-01", "--json"])
    assert json.loads(detailed.stdout)[0]["by_day"]
    one = runner.invoke(app, ["campaigns", "report", "--campaign", "cmp-01", "--csv"])
    assert one.exit_code == 0 and one.stdout.splitlines()[1].startswith("cmp-01,")
    plan = runner.invoke(
        app, ["campaigns", "plan", "--budget", "1000", "--split", "tv=0.5,phone=0.3,tablet=0.2"]
    )
    assert plan.exit_code == 0, plan.output
    bad = runner.invoke(app, ["campaigns", "plan", "--budget", "1000", "--split", "tv=0.5,phone=0.6"])
    assert bad.exit_code == 1 and "sum to 1.1" in bad.output
    get_settings.cache_clear()


def test_the_cap_job_keeps_units_over_the_cap_incrementally(loaded):
    """A new device over the default cap (4 impressions in 9 s) is found by the incremental run, which
    sorts only the changed units; the stored figures then equal a live sort of every impression."""
    from ingest.batch import SourceRecord, prepare
    from ingest.sink import write_batch

    client, _, _ = loaded
    graph.jobs.run_job(client, "campaigns", incremental=True)  # settle: nothing changed since run_all
    ctx = graph.jobs.run_job(client, "campaigns", incremental=True)
    assert ctx.counts["checked"] == 0
    now = int(time.time() * 1000)
    recs = []
    for i in range(4):
        ev = {"ts": now - 9000 + 3000 * i, "ip": "81.2.69.160", "mac": "02:00:00:00:16:01",
              "event": "impression", "ad_id": "ad-probe", "campaign_id": "cmp-probe", "source": "test",
              "event_id": f"probe-{i}"}  # fmt: skip
        recs.append(SourceRecord("view", json.dumps(ev).encode(), "probe", 0, i))
    write_batch(client, prepare(recs, PSEUDO, now), "probe", now)
    ctx = graph.jobs.run_job(client, "campaigns", incremental=True)
    assert ctx.counts["checked"] == 1  # the one changed unit above the cap's max
    stored = {r["campaign_id"]: r for r in read_campaign_reports(client)}
    assert stored["cmp-probe"]["over_cap"] == 1 and stored["cmp-probe"]["impressions"] == 4
    assert list(stored.values()) == read_campaign_reports(client, stored_cap=False)
