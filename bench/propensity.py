"""Propensity and look-alike benchmark on a generated world; scoring speed on 1 M synthetic households.

    flock /tmp/hausgraph-heavy.lock .venv/bin/python -m bench.propensity --world out/world-1000x28

Reports features+training time, held-back AUC / log-loss / calibration against the recent-clicks
baseline and the generator's truth, look-alike lift of a hidden trait against a random ranking,
and the time and peak memory of scoring 1 M households.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from generator.propensity_rows import world_rows
from graph.params import PropensityParams
from graph.propensity.features import FEATURES, Context, prepare_events
from graph.propensity.lookalike import METHODS, expand, household_features
from graph.propensity.model import score, top_contributions
from graph.propensity.training import train_and_evaluate


def _trait_households(truth: dict, trait: str) -> list[str]:
    return [h["id"] for h in truth["households"] if any(p["persona"] == trait for p in h["persons"])]


def propensity_figures(rows: dict, params: PropensityParams) -> dict:
    ctx = Context(rows["genres"], rows["devices"], rows["friends"])
    t0 = time.perf_counter()
    record, test = train_and_evaluate(rows["events"], ctx, rows["start_ms"], rows["end_ms"], params)
    seconds = time.perf_counter() - t0
    truth = pd.DataFrame(rows["truth"].get("propensity", []))
    out = {"features_training_s": round(seconds, 1), **{k: record[k] for k in ("train", "baseline")}}
    out["metrics"] = record["metrics"]
    big = [b for b in record["metrics"]["calibration"] if b["n"] >= 100]
    out["calibration_max_gap"] = max((abs(b["mean_score"] - b["observed"]) for b in big), default=None)
    if len(truth):
        m = test.merge(truth, left_on=["household", "campaign_id"], right_on=["household", "campaign"])
        if m["converted"].nunique() == 2:
            out["truth_auc"] = round(float(roc_auc_score(m["converted"], m["p_next_7d"])), 4)
    out["coefficients"] = record["coef"]
    return out


def lookalike_figures(
    rows: dict, params: PropensityParams, trait: str, seed_size: int, top: int, draws: int = 3
) -> dict:
    """Lift of the trait among the top ``top``, the top 250 and the top 10 % of the pool, for both
    methods and a random ranking, over ``draws`` random seeds of the trait's households. The trait
    itself (a person's persona in the truth) is no feature: the features are behaviour only."""
    ctx = Context(rows["genres"], rows["devices"], rows["friends"])
    feats = household_features(prepare_events(rows["events"]), ctx, rows["end_ms"], params)
    has = set(_trait_households(rows["truth"], trait)) & set(feats.index)
    out = {
        "trait": trait,
        "households": len(feats),
        "trait_households": len(has),
        "features": list(feats.columns),
    }
    for draw in range(draws):
        rng = np.random.default_rng(draw)
        seed = sorted(rng.choice(sorted(has), size=min(seed_size, len(has)), replace=False).tolist())
        pool = [h for h in feats.index if h not in set(seed)]
        base = sum(h in has for h in pool) / len(pool)
        ks = {f"top{top}": top, "top250": 250, "top10pct": len(pool) // 10}
        rankings = {m: expand(feats, seed, len(pool), params, m)["household"].tolist() for m in METHODS}
        rankings["random"] = rng.permutation(pool).tolist()
        fig = {"seed": len(seed), "pool": len(pool), "base_rate": round(base, 4)}
        for name, k in ks.items():
            fig[name] = {"k": k, "max_possible_lift": round(min(len(has) - len(seed), k) / k / base, 2)}
            for m, ranked in rankings.items():
                fig[name][m] = round(sum(h in has for h in ranked[:k]) / k / base, 2)
        out[f"draw{draw}"] = fig
    return out


def scoring_figures(record: dict, n: int) -> dict:
    rng = np.random.default_rng(1)
    table = pd.DataFrame({f: rng.lognormal(0, 1, n) for f in FEATURES})
    table["household"] = np.arange(n).astype(str)
    t0 = time.perf_counter()
    p = score(record, table)
    reasons = top_contributions(record, table, 3)
    seconds = time.perf_counter() - t0
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return {
        "households": n,
        "score_s": round(seconds, 1),
        "peak_rss_gb": round(peak_gb, 2),
        "mean": float(p.mean()),
        "n_reasons": len(reasons),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--world", type=Path, required=True, help="a generated world directory")
    ap.add_argument("--trait", default="foodie")
    ap.add_argument("--seed-size", type=int, default=50)
    ap.add_argument("--top", type=int, default=500)
    ap.add_argument("--score-households", type=int, default=1_000_000, help="0: no scoring figure")
    ap.add_argument("--lookalike-only", action="store_true", help="only the look-alike figures")
    a = ap.parse_args()
    params = PropensityParams()
    t0 = time.perf_counter()
    rows = world_rows(a.world)
    print(f"load_s={time.perf_counter() - t0:.1f} events={len(rows['events'])}")
    print("lookalike:", json.dumps(lookalike_figures(rows, params, a.trait, a.seed_size, a.top), indent=1))
    if a.lookalike_only:
        return
    prop = propensity_figures(rows, params)
    for k, v in prop.items():
        print(f"{k}: {v}")
    ctx = Context(rows["genres"], rows["devices"], rows["friends"])
    record, _ = train_and_evaluate(rows["events"], ctx, rows["start_ms"], rows["end_ms"], params)
    if a.score_households:
        print("scoring:", scoring_figures(record, a.score_households))


if __name__ == "__main__":
    main()
