"""Scoring household and social-link exports (contract section 4) against a world's truth."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

__all__ = [
    "Scores",
    "calibration_table",
    "evaluate_files",
    "membership_correct",
    "pair_losses",
    "read_households_csv",
    "read_links_csv",
    "score_households",
    "score_links",
    "true_links",
]


@dataclass(frozen=True)
class Scores:
    """Household and (optionally) link scores; ``None`` where not computed."""

    devices: int
    devices_exported: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    ari: float
    exact_households: float
    link_precision: float | None = None
    link_recall: float | None = None
    link_f1: float | None = None
    true_links: int | None = None
    predicted_links: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _pairs(sizes) -> int:
    return int(sum(s * (s - 1) // 2 for s in sizes))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def pair_losses(
    truth: dict[str, str], kind: dict[str, str], predicted: dict[str, str], reason: dict[str, str]
) -> Counter:
    """True pairs the prediction missed, by the true home's network kind and why: ``split`` (both
    placed, apart) or ``unassigned:<reason>`` (the first of the two that was not placed).

    >>> losses = pair_losses({"a": "H1", "b": "H1", "c": "H1"}, {"H1": "cgnat"},
    ...                      {"a": "x", "b": "y"}, {"c": "no_home_network"})
    >>> sorted(losses.items())
    [(('cgnat', 'split'), 1), (('cgnat', 'unassigned:no_home_network'), 2)]
    """
    members: dict[str, list[str]] = defaultdict(list)
    for device, home in truth.items():
        members[home].append(device)
    lost: Counter = Counter()
    for home, devices in members.items():
        devices.sort()
        for i, a in enumerate(devices):
            for b in devices[i + 1 :]:
                if a in predicted and b in predicted:
                    if predicted[a] != predicted[b]:
                        lost[(kind.get(home, "?"), "split")] += 1
                else:
                    first = a if a not in predicted else b
                    lost[(kind.get(home, "?"), f"unassigned:{reason.get(first, '?')}")] += 1
    return lost


def membership_correct(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, bool]:
    """Whether each predicted membership is right: the device is in the household that holds most
    of its true home's devices, and that household's devices are mostly of its true home.

    >>> t = {"a": "H1", "b": "H1", "c": "H1", "d": "H2"}
    >>> membership_correct(t, {"a": "x", "b": "x", "c": "y", "d": "x"})
    {'a': True, 'b': True, 'c': False, 'd': False}
    """
    by_pred: dict[str, Counter] = defaultdict(Counter)
    by_true: dict[str, Counter] = defaultdict(Counter)
    for d, h in predicted.items():
        if d in truth:
            by_pred[h][truth[d]] += 1
            by_true[truth[d]][h] += 1
    major = {h: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for h, c in by_pred.items()}
    home = {t: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for t, c in by_true.items()}
    return {d: major[h] == truth[d] and home[truth[d]] == h for d, h in predicted.items() if d in truth}


def calibration_table(
    confidence: dict[str, float], correct: dict[str, bool], bins: int = 10
) -> list[dict[str, float]]:
    """Observed precision per confidence bin (``[i/bins, (i+1)/bins)``, the last one closed).

    >>> calibration_table({"a": 0.95, "b": 0.91, "c": 0.15}, {"a": True, "b": False, "c": False})
    [{'bin': '0.1-0.2', 'devices': 1, 'confidence': 0.15, 'precision': 0.0}, \
{'bin': '0.9-1.0', 'devices': 2, 'confidence': 0.93, 'precision': 0.5}]
    """
    keys = [d for d in confidence if d in correct]
    c = np.array([confidence[d] for d in keys], dtype=float)
    ok = np.array([correct[d] for d in keys], dtype=float)
    b = np.minimum((c * bins).astype(int), bins - 1)
    out = []
    for i in range(bins):
        m = b == i
        if m.any():
            out.append(
                {
                    "bin": f"{i / bins:.1f}-{(i + 1) / bins:.1f}",
                    "devices": int(m.sum()),
                    "confidence": round(float(c[m].mean()), 3),
                    "precision": round(float(ok[m].mean()), 3),
                }
            )
    return out


def score_households(truth: dict[str, str], predicted: dict[str, str]) -> Scores:
    """Pairwise precision/recall/F1, ARI and exact recovery over the truth's devices.

    Devices missing from ``predicted`` count as singletons; predicted devices unknown to the
    truth are ignored.

    >>> t = {"a": "H1", "b": "H1", "c": "H2"}
    >>> s = score_households(t, {"a": "x", "b": "x", "c": "y"}); (s.pair_f1, s.ari, s.exact_households)
    (1.0, 1.0, 1.0)
    >>> score_households(t, {"a": "x", "b": "y", "c": "y"}).pair_precision
    0.0
    """
    devs = sorted(truth)
    true = [truth[d] for d in devs]
    pred = [predicted.get(d, f"\x00single:{d}") for d in devs]
    cells = Counter(zip(true, pred))
    tp = _pairs(cells.values())
    tpairs, ppairs = _pairs(Counter(true).values()), _pairs(Counter(pred).values())
    precision = tp / ppairs if ppairs else 1.0
    recall = tp / tpairs if tpairs else 1.0
    tsets: dict[str, set] = defaultdict(set)
    psets: dict[str, set] = defaultdict(set)
    for d, t, p in zip(devs, true, pred):
        tsets[t].add(d)
        psets[p].add(d)
    pred_of = dict(zip(devs, pred))
    exact = sum(1 for s in tsets.values() if psets[pred_of[next(iter(s))]] == s)
    return Scores(
        devices=len(devs),
        devices_exported=sum(1 for d in devs if d in predicted),
        pair_precision=round(precision, 6),
        pair_recall=round(recall, 6),
        pair_f1=round(_f1(precision, recall), 6),
        ari=round(float(adjusted_rand_score(np.array(true), np.array(pred))), 6),
        exact_households=round(exact / len(tsets), 6) if tsets else 1.0,
    )


def score_links(
    truth: dict[str, str],
    predicted: dict[str, str],
    true_pairs: set[tuple[str, str]],
    links: list[tuple[str, str]],
) -> tuple[float, float, int]:
    """Social-link precision and recall: predicted households map to the true household of most members.

    >>> t = {"a": "H1", "b": "H2", "c": "H3"}
    >>> score_links(t, {"a": "x", "b": "y", "c": "z"}, {("H1", "H2")}, [("x", "y"), ("y", "z")])
    (0.5, 1.0, 2)
    """
    members: dict[str, Counter] = defaultdict(Counter)
    for dev, hid in predicted.items():
        if dev in truth:
            members[hid][truth[dev]] += 1
    major = {hid: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for hid, c in members.items()}
    mapped: set[tuple] = set()
    for a, b in links:
        ta, tb = major.get(a), major.get(b)
        mapped.add((min(ta, tb), max(ta, tb)) if ta and tb and ta != tb else ("\x00", a, b))
    hits = len(mapped & true_pairs)
    precision = hits / len(mapped) if mapped else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    return round(precision, 6), round(recall, 6), len(mapped)


def read_households_csv(path: Path) -> dict[str, str]:
    with open(path, newline="") as fh:
        return {row["device_key"]: row["household_id"] for row in csv.DictReader(fh)}


def read_links_csv(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="") as fh:
        return [(row["household_a"], row["household_b"]) for row in csv.DictReader(fh)]


def true_links(truth: dict, min_visits: int = 2, seen_only: bool = True) -> set[tuple[str, str]]:
    """Household pairs of the truth with at least ``min_visits`` visits.

    A visit counts when the guest's device sent an event from the host's home (``seen_visits``):
    a visit with the phone in the pocket leaves no trace any method could find. With
    ``seen_only=False`` every scheduled visit counts (older truth files have only these).

    >>> t = {"social_pairs": [{"a": "H2", "b": "H1", "visits": 3, "seen_visits": 1}]}
    >>> true_links(t), true_links(t, seen_only=False)
    (set(), {('H1', 'H2')})
    """
    field = "seen_visits" if seen_only else "visits"
    return {
        (min(x["a"], x["b"]), max(x["a"], x["b"]))
        for x in truth["social_pairs"]
        if x.get(field, x["visits"]) >= min_visits
    }


def evaluate_files(
    truth: dict,
    households_csv: Path,
    links_csv: Path | None = None,
    min_visits: int = 2,
    active_only: bool = True,
    seen_only: bool = True,
) -> Scores:
    """Score export files against a loaded ``truth.json`` (devices keyed by pseudonymous key).

    Only devices that emitted at least one valid event are scored when ``active_only``; links
    are those of :func:`true_links`.
    """
    by_key = {d["key"]: d["household"] for d in truth["devices"] if d["events"] > 0 or not active_only}
    pred = read_households_csv(households_csv)
    s = score_households(by_key, pred)
    if links_csv is None:
        return s
    pairs = true_links(truth, min_visits, seen_only)
    lp, lr, n = score_links(by_key, pred, pairs, read_links_csv(links_csv))
    return Scores(
        **{
            **s.as_dict(),
            "link_precision": lp,
            "link_recall": lr,
            "link_f1": round(_f1(lp, lr), 6),
            "true_links": len(pairs),
            "predicted_links": n,
        }
    )
