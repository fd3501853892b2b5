"""Fit the membership confidence curve: raw score -> observed precision, on generated worlds.

    python bench/calibrate.py [--worlds default:300:14:1 dense-pools:300:14:4 ...]
    python bench/calibrate.py --check --worlds default:300:7:2 default:300:14:3   # held-out table

Runs the household core with the raw score (``confidence_curve=()``), marks each membership
right or wrong (``generator.evaluate.membership_correct``), fits an isotonic regression
(scikit-learn) of right on raw score, and prints its knots as the
``HouseholdParams.confidence_curve`` literal to ship.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))

from tune_households import world_rows

from generator.evaluate import calibration_table, membership_correct
from graph.households import assign_households
from graph.params import HouseholdParams

DEFAULT_WORLDS = [  # seeds 2 and 3 of the default world are held out
    "default:1000:14:1",
    "dense-pools:1000:14:4",
    "more-cgnat:300:14:4",
    "more-workplaces:300:7:4",
    "more-workplaces:300:14:4",
    "default:300:7:1",
    "default:300:14:1",
    "dense-pools:300:7:4",
    "dense-pools:300:14:4",
    "more-cgnat:300:7:4",
    "daily-ipv6:300:7:4",
    "away-only:300:7:4",  # devices seen once at a home that are a guest's: the attach rule's doubt
    "away-only:300:14:4",
]


def scored_memberships(spec: str, hp: HouseholdParams) -> tuple[dict[str, float], dict[str, bool]]:
    """(confidence, right) per membership of one world ``variant:households:days:seed``."""
    variant, households, days, seed = spec.split(":")
    rows, truth = world_rows(int(households), int(days), int(seed), variant)
    out = assign_households(rows, hp)
    by_key = {d["key"]: d["household"] for d in truth["devices"] if d["events"] > 0}
    conf = {m["device"]: m["confidence"] for m in out["memberships"]}
    return conf, membership_correct(by_key, {m["device"]: m["household_id"] for m in out["memberships"]})


def fit_curve(raw: np.ndarray, right: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Isotonic fit of ``right`` on ``raw``: its knots, flat runs kept only at their ends.

    >>> fit_curve(np.array([0.1, 0.2, 0.3, 0.8, 0.9]), np.array([0, 1, 0, 1, 1]))
    ((0.1, 0.0), (0.2, 0.5), (0.3, 0.5), (0.8, 1.0), (0.9, 1.0))
    """
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, right)
    xs, ys = iso.X_thresholds_.round(3), iso.y_thresholds_.round(3)
    keep = np.r_[True, ys[1:] != ys[:-1]] | np.r_[ys[:-1] != ys[1:], True]  # ends of flat runs
    xs, ys = xs[keep], ys[keep]
    first = np.r_[True, xs[1:] != xs[:-1]]
    return tuple((float(x), float(y)) for x, y in zip(xs[first], ys[first]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", nargs="+", default=DEFAULT_WORLDS)
    ap.add_argument("--check", action="store_true", help="no fit: the shipped curve's table on --worlds")
    a = ap.parse_args()
    if a.check:
        conf, ok = {}, {}
        for spec in a.worlds:
            c, o = scored_memberships(spec, HouseholdParams())
            conf.update({(spec, k): v for k, v in c.items()})
            ok.update({(spec, k): v for k, v in o.items()})
        for row in calibration_table(conf, ok):
            print(row)
        return
    raw_hp = dataclasses.replace(HouseholdParams(), confidence_curve=())
    raw, right = [], []
    for spec in a.worlds:
        conf, ok = scored_memberships(spec, raw_hp)
        raw += [conf[d] for d in ok]
        right += [ok[d] for d in ok]
    curve = fit_curve(np.array(raw), np.array(right, dtype=float))
    print("confidence_curve =", curve)
    mapped = dict(enumerate(np.interp(raw, *zip(*curve))))
    for row in calibration_table(mapped, dict(enumerate(right))):
        print(row)


if __name__ == "__main__":
    main()
