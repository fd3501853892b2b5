"""Propensity: decayed features by hand, the model's refusals and signal, look-alikes, the job shell."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from generator.params import WorldParams
from generator.pipeline import Generation
from generator.truth import build_truth
from graph.client import RecordingClient
from graph.jobs.propensity import run_propensity_job
from graph.jobs.registry import JOBS
from graph.jobs.runs import JobContext
from graph.params import DAY_MS, GraphParams, PropensityParams
from graph.propensity.features import Context, decayed_counts, feature_table, next_conversions, prepare_events
from graph.propensity.lookalike import BadSeed, expand
from graph.propensity.model import (
    NotTrainable,
    fit_model,
    fit_pipeline,
    load_model,
    recalibrate,
    score,
    top_contributions,
)
from graph.propensity.stored import BadModelRecord, SplineLogit, pipeline_data
from graph.propensity.training import train_and_evaluate

P = PropensityParams()


def _ev(rows):
    return pd.DataFrame(rows, columns=["household", "campaign_id", "event", "ts"])


@pytest.mark.parametrize(
    ("event", "col", "half"),
    [
        ("impression", "im", P.half_life_impression_days),
        ("click", "cl", P.half_life_click_days),
        ("conversion", "cn", P.half_life_conversion_days),
    ],
)
def test_one_half_life_weighs_one_half(event, col, half):
    ev = _ev([("h", "c", "impression", 0), ("h", "c", event, 0)])
    as_of = int(half * DAY_MS)
    got = decayed_counts(ev, as_of, P).loc[("h", "c"), col]
    expected = 0.5 if event != "impression" else 1.0  # two impressions, each at one half-life
    assert got == pytest.approx(expected)


def test_decayed_counts_by_hand():
    # impressions 1 and 4 days before as_of, a search 2 days before; half-lives 3 (im) and 3 (ps)
    p = replace(P, half_life_impression_days=3.0, half_life_search_days=2.0)
    ev = _ev(
        [
            ("h", "c", "impression", 9 * DAY_MS),
            ("h", "c", "impression", 6 * DAY_MS),
            ("h", None, "search", 8 * DAY_MS),
            ("h", "c", "impression", 11 * DAY_MS),  # after as_of: ignored
            ("g", "c", "click", 9 * DAY_MS),  # a click without an impression: not an exposed pair
        ]
    )
    out = decayed_counts(ev, 10 * DAY_MS, p)
    assert out.loc[("h", "c"), "im"] == pytest.approx(2 ** (-1 / 3) + 2 ** (-4 / 3))
    assert out.loc[("h", "c"), "ps"] == pytest.approx(0.5)
    assert ("g", "c") not in out.index


def test_friends_affinity_and_labels():
    ctx = Context(
        genres=[
            {"household": "a", "genre": "cooking", "share": 1.0},
            {"household": "b", "genre": "cooking", "share": 0.9},
            {"household": "b", "genre": "news", "share": 0.1},
            {"household": "c", "genre": "news", "share": 1.0},
        ],
        devices=[{"household": h, "device": h + "1", "device_type": "tv"} for h in "abc"],
        friends=[{"a": "a", "b": "b", "weight": 1.0}],
    )
    ev = _ev(
        [
            ("a", "x", "impression", 0),
            ("a", "x", "conversion", DAY_MS),
            ("b", "x", "impression", DAY_MS),
            ("c", "x", "impression", DAY_MS),
            ("b", "x", "conversion", 5 * DAY_MS),
        ]
    )
    t = feature_table(ev, ctx, 2 * DAY_MS, P).set_index("household")
    assert t.loc["b", "friends_cn"] > 0 and t.loc["c", "friends_cn"] == 0
    assert t.loc["b", "affinity"] > t.loc["c", "affinity"]  # b likes what the converter a likes
    assert t.loc["a", "share_tv"] == 1.0 and t.loc["a", "n_devices"] == 1
    y = next_conversions(ev, t.reset_index(), 7)
    assert dict(zip(t.index, y)) == {"a": 0, "b": 1, "c": 0}


def _synthetic(n_h=300, days=28, seed=0):
    """Households whose daily chance to convert rises with their recent impressions."""
    rng = np.random.default_rng(seed)
    rate = rng.lognormal(0, 1, n_h)
    rows = []
    for h in range(n_h):
        for d in range(days):
            k = rng.poisson(rate[h] * 0.5)
            rows += [(f"h{h:03d}", "c", "impression", d * DAY_MS + 1000 * i) for i in range(k)]
            if k and rng.random() < 0.03 * k:
                rows.append((f"h{h:03d}", "c", "conversion", d * DAY_MS + 50_000))
    return _ev(rows)


def test_model_learns_exposure_and_explains_scores():
    ev = _synthetic()
    record, test = train_and_evaluate(ev, Context(), 0, 28 * DAY_MS, P)
    assert record["metrics"]["auc"] > 0.7
    low, high = test.head(1).assign(im=0.5), test.head(1).assign(im=5.0)
    assert score(record, high)[0] > score(record, low)[0]  # more recent impressions, higher propensity
    assert set(record["coef"]) == set(record["features"])
    assert len(record["hash"]) == 16 and record["window"]["train_end"] == 21 * DAY_MS
    assert sum(b["n"] for b in record["metrics"]["calibration"]) == len(test)
    reasons = top_contributions(record, test.head(5), 3)
    assert all(len(r) == 3 for r in reasons)
    again, _ = train_and_evaluate(ev, Context(), 0, 28 * DAY_MS, P)
    assert again["hash"] == record["hash"]  # same data, same model
    assert np.allclose(score(record, test), test["score"])


def test_bad_input_gives_no_model():
    table = pd.DataFrame({"household": [f"h{i}" for i in range(100)], "im": 1.0})
    for y, reason in [
        (np.zeros(100, dtype=int), "no conversions"),
        (np.ones(100, dtype=int), "one class"),
    ]:
        with pytest.raises(NotTrainable, match=reason):
            fit_model(table, y, P, {})
    with pytest.raises(NotTrainable, match="too few households"):
        fit_model(table.head(10), np.array([0, 1] * 5), P, {})
    no_conversions = _synthetic(60).query("event != 'conversion'")
    with pytest.raises(NotTrainable):
        train_and_evaluate(no_conversions, Context(), 0, 28 * DAY_MS, P)
    # two weeks of data leave no training moment before a held-back week: said so, with the days needed
    with pytest.raises(NotTrainable, match="too little history") as e:
        train_and_evaluate(_synthetic(60), Context(), 0, 14 * DAY_MS, P)
    assert e.value.figures == {"days": 14.0, "needed": P.min_history_days + 2 * P.horizon_days}


@pytest.mark.parametrize("method", ["logistic", "centroid"])
def test_lookalike_finds_the_trait_better_than_chance(method):
    rng = np.random.default_rng(3)
    n = 2000
    trait = rng.random(n) < 0.1
    feats = pd.DataFrame(
        {"cooking": rng.normal(0, 1, n) + 2.0 * trait, **{f"g{i}": rng.normal(0, 1, n) for i in range(10)}},
        index=[f"h{i:04d}" for i in range(n)],
    )
    ids = feats.index[trait][:60].tolist()
    out = expand(feats, ids, 100, method=method)
    assert not set(out["household"]) & set(ids) and len(out) == 100
    has = set(feats.index[trait])
    pool = [h for h in feats.index if h not in ids]
    base = sum(h in has for h in pool) / len(pool)
    assert sum(h in has for h in out["household"]) / 100 >= 2 * base
    with pytest.raises(BadSeed):
        expand(feats, ["nobody"], 10)
    with pytest.raises(BadSeed, match="unknown method"):
        expand(feats, ids, 10, method="magic")


def _graph_answers(n_h=120, days=28, converting=True):
    rng = np.random.default_rng(5)
    exposures, context = [], []
    for h in range(n_h):
        rate = rng.lognormal(0, 1)
        for d in range(days):
            k = int(rng.poisson(rate))
            conv = int(converting and k and rng.random() < 0.04 * k)
            if k:
                exposures.append(
                    {
                        "household": f"H{h:05d}",
                        "device": f"k{h}",
                        "campaign_id": "cmp-01",
                        "day": d * DAY_MS,
                        "impressions": k,
                        "clicks": 0,
                        "conversions": conv,
                    }
                )
        context.append(
            {
                "household": f"H{h:05d}",
                "genres": [{"genre": "news", "share": 1.0}],
                "devices": [{"device": f"k{h}", "device_type": "tv"}],
                "friends": [],
            }
        )
    return {"propensity/read_daily_exposures": exposures, "propensity/read_household_context": context}


def test_job_writes_scores_and_model():
    client = RecordingClient(answers=_graph_answers())
    ctx = JobContext(client, "propensity-1", "propensity", {})
    JOBS["propensity"](ctx, GraphParams())
    (model,) = client.written("propensity/merge_propensity_model")
    scores = client.written("propensity/merge_propensity_scores")
    assert ctx.counts["model"] == model["hash"] and json.loads(model["record"])["metrics"]["auc"] is not None
    assert len(scores) == ctx.counts["scores"] > 0 and all(0 <= r["score"] <= 1 for r in scores)
    assert all(len(json.loads(r["reasons"])) == 3 for r in scores)
    params = next(p for n, p in client.calls if n == "propensity/merge_propensity_scores")
    assert params["model"] == model["hash"] and params["as_of"] == 28 * DAY_MS
    # the stored model is the evaluated recipe refit with the held-back week; it names the evaluated one
    record = json.loads(model["record"])
    assert (
        record["window"]["train_end"] == 28 * DAY_MS and record["window"]["evaluated_model"] != model["hash"]
    )
    assert load_model(record) is not None and "recalibration" in record


@pytest.mark.parametrize("answers", [{}, _graph_answers(converting=False), _graph_answers(n_h=10)])
def test_job_without_a_model_does_not_crash(answers):
    client = RecordingClient(answers=answers)
    ctx = JobContext(client, "propensity-1", "propensity", {})
    run_propensity_job(ctx, GraphParams())
    assert ctx.counts["model"] is None and ctx.counts["reason"]
    assert not client.written("propensity/merge_propensity_scores")


def test_generator_conversions_follow_exposure_and_truth_is_written():
    gen = Generation(WorldParams(households=40, days=6, seed=4))
    for _ in gen.chunks():
        pass
    truth = build_truth(gen)
    c = gen.conversions
    assert c.converted.sum() > 0
    # every conversion comes from a household that had seen the campaign
    assert not (c.converted & (c.snapshots[max(c.snapshots)] == 0) & (c.exposure == 0)).any()
    rows = truth["propensity"]
    assert rows and all(0 <= r["p_next_7d"] <= 1 for r in rows)
    assert {"household", "campaign", "genre", "lift", "p_next_7d"} <= set(rows[0])


def test_device_rows_carry_their_own_counts_and_the_household_context():
    ev = pd.DataFrame(
        {
            "household": ["h", "h", "h"],
            "device": ["d1", "d2", "d2"],
            "campaign_id": ["c", "c", "c"],
            "event": ["impression", "impression", "impression"],
            "ts": [0, 0, 0],
        }
    )
    ctx = Context(devices=[{"household": "h", "device": d, "device_type": "tv"} for d in ("d1", "d2")])
    t = feature_table(ev, ctx, DAY_MS * 3, P, per_device=True).set_index("device")
    assert t.loc["d1", "im"] == pytest.approx(0.5) and t.loc["d2", "im"] == pytest.approx(1.0)
    assert t.loc["d1", "im_all"] == pytest.approx(1.5) and t.loc["d1", "n_devices"] == 2
    assert (t["household"] == "h").all()


def test_features_round_trip_through_parquet(tmp_path):
    t = feature_table(_synthetic(20, 5), Context(), 5 * DAY_MS, P)
    t.to_parquet(tmp_path / "f.parquet", engine="pyarrow", index=False)
    back = pd.read_parquet(tmp_path / "f.parquet")
    assert list(back.columns) == list(t.columns) and len(back) == len(t) > 0


def test_stored_model_is_data_and_scores_like_the_fitted_pipeline():
    ev = _synthetic()
    record, _ = train_and_evaluate(ev, Context(), 0, 28 * DAY_MS, P)
    text = json.dumps(record)
    assert "pipeline" not in record and set(record["model"]) >= {"knots", "mean", "scale", "coef"}
    back = json.loads(text)  # what the graph gives back: JSON only, no pickle anywhere
    rng = np.random.default_rng(0)
    n = 4000
    x = np.column_stack([rng.lognormal(0, 1, n), rng.normal(0, 1, n), np.zeros(n), rng.random(n)])
    y = (rng.random(n) < expit(x[:, 0] - 2 + x[:, 1] ** 2 - 1)).astype(int)
    pipe = fit_pipeline(x, y, P)  # the third feature is constant: its bases have no span
    data = pipeline_data(pipe, ["a", "b", "c", "d"])
    model = SplineLogit.from_data(json.loads(json.dumps(data)))
    # beyond the training range (linear extrapolation) and inside it
    probe = np.vstack([x[:500], x[:500] * 3 + 5, -x[:500] * 4])
    want = pipe.predict_proba(probe)[:, 1]
    got = expit(model.parts(probe).sum(axis=1) + data["intercept"])
    assert np.allclose(got, want, rtol=0, atol=1e-12)
    table = feature_table(prepare_events(ev), Context(), 28 * DAY_MS, P)
    assert np.array_equal(score(back, table), score(record, table))
    assert top_contributions(back, table.head(20)) == top_contributions(record, table.head(20))


def test_a_changed_or_malformed_stored_model_is_refused_with_a_reason():
    record, _ = train_and_evaluate(_synthetic(), Context(), 0, 28 * DAY_MS, P)
    table = feature_table(prepare_events(_synthetic()), Context(), 28 * DAY_MS, P).head(5)
    tampered = json.loads(json.dumps(record))
    tampered["model"]["coef"][0] += 1.0
    with pytest.raises(BadModelRecord, match="do not match its hash"):
        score(tampered, table)
    old = {**record, "pipeline": "gASV..."}
    old.pop("model")
    with pytest.raises(BadModelRecord, match="no model data"):
        load_model(old)
    with pytest.raises(BadModelRecord, match="malformed"):
        SplineLogit.from_data({"features": ["a"], "degree": 2})
    with pytest.raises(BadModelRecord, match="finite"):
        SplineLogit.from_data({**record["model"], "coef": record["model"]["coef"][:-1]})


def test_recalibration_matches_the_latest_snapshots_conversion_rate():
    ev = prepare_events(_synthetic())
    moments = [20 * DAY_MS, 21 * DAY_MS]
    train = feature_table(ev, Context(), 5 * DAY_MS, P)  # an early moment: a different conversion rate
    y = next_conversions(ev, train, 7)
    record = fit_model(train, y, P, {"end": 1})
    recent = pd.concat([feature_table(ev, Context(), t, P) for t in moments], ignore_index=True)
    y_recent = next_conversions(ev, recent, 7)
    out = recalibrate(record, recent, y_recent)
    assert score(out, recent).sum() == pytest.approx(y_recent.sum(), rel=1e-6)
    assert out["hash"] != record["hash"] and load_model(out) is not None  # the new numbers, a new hash
    assert out["recalibration"]["shift"] == pytest.approx(
        out["model"]["intercept"] - record["model"]["intercept"]
    )
