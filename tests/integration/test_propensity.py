"""Propensity job and its queries against the real Neo4j: reads, scores kept over time, the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.admin import migrate
from graph.client import GraphClient
from graph.jobs import run_all
from graph.jobs.propensity import read_inputs
from graph.params import DAY_MS
from tests.integration.world import ingest_dir, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    make_world(out)
    return out


@pytest.fixture
def client(neo4j_driver, services, clean_db, world) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    migrate(c)
    ingest_dir(c, world)
    return c


def test_job_runs_after_the_others_and_never_fails(client):
    contexts = run_all(client)
    ctx = next(c for c in contexts if c.job == "propensity")
    (run,) = [r["run"] for r in client.read("jobs/read_runs", job="propensity", limit=5)]
    assert run["status"] == "succeeded"
    # without per-day exposures (EXPOSED_ON) in the graph there is no model, and the run says why
    assert ctx.counts["model"] or ctx.counts["reason"]
    _, context = read_inputs(client)
    assert len(context.genres) > 0 and context.devices["n_devices"].sum() > 0 and len(context.friends) > 0


def test_scores_keep_their_history_and_export_the_latest(client):
    run_all(client, names=["households"])
    households = [r["household_id"] for r in client.read("export/read_household_export")][:5]
    campaign = "cmp-01"
    model = {
        "hash": "abc123",
        "trained_at": 1,
        "start": 0,
        "train_end": 21 * DAY_MS,
        "end": 28 * DAY_MS,
        "auc": 0.8,
        "log_loss": 0.2,
        "baseline_auc": 0.6,
        "record": "{}",
    }
    client.write("propensity/merge_propensity_model", [model])
    for as_of, score in ((27 * DAY_MS, 0.1), (28 * DAY_MS, 0.4)):
        rows = [
            {"household": h, "campaign": campaign, "score": score, "reasons": json.dumps([["im", 1.0]])}
            for h in households
        ]
        client.write("propensity/merge_propensity_scores", rows, as_of=as_of, model="abc123")
        client.write("propensity/merge_propensity_scores", rows, as_of=as_of, model="abc123")  # replay
    out = client.read("propensity/read_propensity_export", campaign=campaign)
    assert sorted(r["household_id"] for r in out) == sorted(set(households))
    assert all(r["score"] == 0.4 and r["as_of"] == 28 * DAY_MS and r["model"] == "abc123" for r in out)
    assert client.read("propensity/read_propensity_export", campaign="cmp-none") == []
