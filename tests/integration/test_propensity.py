"""Propensity job and its queries against the real Neo4j: reads, scores kept over time, the export."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.propensity_graph import cut_world, graph_figures, ingest_world
from graph.admin import migrate
from graph.client import GraphClient
from graph.jobs import run_all
from graph.jobs.propensity import read_inputs
from graph.params import DAY_MS
from graph.propensity.model import load_model
from ingest.pseudonym import Pseudonymizer
from tests.integration.world import SECRET, ingested, make_world


@pytest.fixture
def client(neo4j_driver, services, clean_db, small_world) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    migrate(c)
    ingested(c, small_world)
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


def _cli(services, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
    }
    return subprocess.run(
        [sys.executable, "-m", "hausgraph", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_cli_exports_and_expands(client, services, tmp_path):
    run_all(client, names=["affinity"])
    households = [r["household_id"] for r in client.read("export/read_household_export")]
    ids = sorted(set(households))
    rows = [{"household": h, "campaign": "cmp-02", "score": 0.25, "reasons": "[]"} for h in ids[:7]]
    client.write("propensity/merge_propensity_scores", rows, as_of=DAY_MS, model="m1")
    out = tmp_path / "scores.csv"
    done = _cli(services, "export", "propensity", "--campaign", "cmp-02", "--out", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "household_id,score,as_of,model,reasons" and len(lines) == 8
    seed = tmp_path / "seed.csv"
    seed.write_text("household_id\n" + "\n".join(ids[:10]) + "\n")
    expanded = tmp_path / "lookalikes.csv"
    size = str(min(50, len(ids) - 10))
    done = _cli(services, "audiences", "expand", "--seed", str(seed), "--size", size, "--out", str(expanded))
    if int(size) < 50:  # the clean-room rule refuses audiences under k households
        assert done.returncode != 0 and "clean-room" in done.stdout + done.stderr
    else:
        assert done.returncode == 0, done.stderr
        got = expanded.read_text().splitlines()
        assert got[0] == "household_id,similarity,rank" and len(got) == 51
        assert not {line.split(",")[0] for line in got[1:]} & set(ids[:10])
    # no per-day exposures in the graph yet: a clear refusal, not a traceback
    done = _cli(services, "export", "features", "--out", str(tmp_path / "f.parquet"))
    if done.returncode != 0:
        assert "Traceback" not in done.stderr and "exposures" in done.stdout + done.stderr


@pytest.fixture
def wiped_after(neo4j_driver, services, clean_db):
    """This test's graph (80 households x 21 days) is larger than the others': the suite's one-step wipe
    of 10,000 nodes a transaction can exceed the memory pool on it, so it goes in small steps here."""
    yield
    with neo4j_driver.session(database=services.neo4j_database) as session:
        for query in (
            "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 2000 ROWS",
            "MATCH (n) WHERE NOT n:HausgraphTestDatabase CALL (n) { DELETE n } IN TRANSACTIONS OF 2000 ROWS",
        ):
            session.run(query).consume()


def test_the_job_scores_inferred_households_and_the_next_week_bears_them_out(
    neo4j_driver, services, wiped_after, tmp_path_factory
):
    """The real path: a 28-day world cut at day 21, ingested, every job run (households inferred); the
    job's stored scores (as of day 21) against the conversions of days 21–27, which the graph never saw."""
    full = tmp_path_factory.mktemp("prop-full")
    make_world(full, households=80, days=28, seed=11)
    cut = tmp_path_factory.mktemp("prop-cut")
    kept = cut_world(full, cut, 21)
    assert 0 < kept < sum(1 for _ in (full / "events.jsonl").open("rb"))
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=300)
    migrate(c)
    pseudo = Pseudonymizer(SECRET)
    ingest_world(c, cut, pseudo)
    contexts = run_all(c)
    counts = next(x for x in contexts if x.job == "propensity").counts
    assert counts["model"], counts
    fig = graph_figures(c, full, 21, pseudo)
    # scores are the graph's inferred households', kept as of the cut, with a model stored as data
    households = {r["household_id"] for r in c.read("export/read_household_export")}
    stored = c.read("propensity/read_propensity_scores", as_of=fig["as_of"])
    assert stored and {r["household"] for r in stored} <= households
    (model,) = c.read("propensity/read_propensity_model", hash=counts["model"])
    record = json.loads(model["record"])
    assert load_model(record).features == tuple(record["features"])
    assert fig["stored_scores"] == len(stored) == counts["scores"]
    # the week after the cut: scores rank the converters first, and follow the truth's probability
    brief = {k: v for k, v in fig.items() if k != "next_week_calibration"}
    print("real path:", json.dumps(brief, default=str))  # the figures, for the note (pytest -s)
    assert fig["next_week"]["positives"] > 10 and fig["next_week"]["auc"] >= 0.7, brief
    assert fig["spearman_score_vs_truth_p"] >= 0.4, brief  # 80 households: a noisy figure (0.57 measured)
    assert fig["next_week_calibration_gap"] <= 0.1, brief  # deciles of ~240 rows (0.039 measured)
