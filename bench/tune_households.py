"""Tune and score the household and social-link cores on generated worlds, without servers.

    python bench/tune_households.py [--households 1000] [--days 14] [--seed 1] [--variant more-cgnat]

Presence rows are made the way the ingester makes them (``ingest.batch.prepare`` per
chunk, events summed per (device, network, hour) across chunks, since late events
arrive in later chunks) and cached in ``/tmp`` with the truth; then the pure cores run
and are scored with ``generator.evaluate``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.evaluate import membership_correct, pair_losses, score_households, score_links, true_links
from generator.params import VARIANTS, variant_params
from graph.households import assign_households
from graph.households.core import as_table
from graph.params import HouseholdParams, SocialParams
from graph.social import social_links


def world_rows(
    households: int, days: int, seed: int, variant: str = "default", cache: Path = Path("out/worlds")
) -> tuple[list[dict], dict]:
    """(presence rows, truth) of a generated world, cached as a pickle."""
    cache.mkdir(parents=True, exist_ok=True)
    params = variant_params(variant, households=households, days=days, seed=seed, secret="s")
    tag = hashlib.sha256(repr(params).encode()).hexdigest()[:8]  # a changed generator setting: a new file
    path = cache / f"hausgraph_presence_{variant}_h{households}_d{days}_s{seed}_{tag}.pkl"
    if path.exists():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    from generator.pipeline import Generation
    from generator.presence import presence_rows
    from generator.truth import build_truth

    g = Generation(params)
    rows = presence_rows(g)
    truth = build_truth(g)
    with open(path, "wb") as fh:
        pickle.dump((rows, truth), fh)
    return rows, truth


def evaluate(
    rows: list[dict],
    truth: dict,
    hp: HouseholdParams | None = None,
    sp: SocialParams | None = None,
    calibration: list | None = None,
) -> dict:
    """Household and link scores of the cores on one world; ``calibration`` (a list) collects
    ``(confidence, right)`` per membership."""
    hp = hp or HouseholdParams()
    t = as_table(rows)
    t0 = time.perf_counter()
    out = assign_households(t, hp)
    assignment = {m["device"]: m["household_id"] for m in out["memberships"]}
    links = social_links(t, assignment, sp, hp)
    seconds = time.perf_counter() - t0
    by_key = {d["key"]: d["household"] for d in truth["devices"] if d["events"] > 0}
    s = score_households(by_key, assignment)
    if calibration is not None:
        right = membership_correct(by_key, assignment)
        calibration += [
            (m["confidence"], right[m["device"]]) for m in out["memberships"] if m["device"] in right
        ]
    found = [(x["household_a"], x["household_b"]) for x in links]
    pairs = true_links(truth)
    lp, lr, n = score_links(by_key, assignment, pairs, found)
    _, lr_all, _ = score_links(by_key, assignment, true_links(truth, seen_only=False), found)
    reasons = Counter(u["reason"] for u in out["unassigned"])
    kind = {h["id"]: h["network"] for h in truth["households"]}
    lost = pair_losses(by_key, kind, assignment, {u["device"]: u["reason"] for u in out["unassigned"]})
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(by_key.values()).values())
    return {
        "pair_precision": s.pair_precision,
        "pair_recall": s.pair_recall,
        "pair_f1": s.pair_f1,
        "ari": s.ari,
        "exact_households": s.exact_households,
        "link_precision": lp,
        "link_recall": lr,
        "link_recall_all_visits": lr_all,
        "predicted_links": n,
        "true_links": len(pairs),
        "unassigned": dict(reasons),
        # share of the true pairs lost, by true home kind and cause (the largest first)
        "lost_pairs": {f"{k}/{c}": round(n / max(true_pairs, 1), 4) for (k, c), n in lost.most_common()},
        "seconds": round(seconds, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variant", default="default", choices=list(VARIANTS))
    a = ap.parse_args()
    rows, truth = world_rows(a.households, a.days, a.seed, a.variant)
    print(
        json.dumps(
            {
                "households": a.households,
                "days": a.days,
                "seed": a.seed,
                "variant": a.variant,
                **evaluate(rows, truth),
            }
        )
    )


if __name__ == "__main__":
    main()
