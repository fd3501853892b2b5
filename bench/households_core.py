"""Benchmark of the pure household core on a synthetic household-shaped presence data set.

    python bench/households_core.py 100000 [--days 14] [--seed 1]

The synthetic world has homes behind static, daily- and weekly-reassigned IPv4 addresses
(an address goes to another home later), IPv6 /64s, CGNAT (50 homes per address, half of
them dual-stack), offices, mobile carrier addresses and friends' visits. Reports time and
peak RSS per step, and the adjusted Rand index against the synthetic truth.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.clustering import louvain_partition
from graph.households.core import household_rows, run_households
from graph.networks import PresenceTable
from graph.params import HouseholdParams

T0_MS = 1_791_158_400_000  # Monday 2026-10-05 00:00 UTC
H = 3_600_000
KINDS = ("static", "daily", "weekly", "cgnat", "ipv6")
KIND_P = (0.15, 0.30, 0.20, 0.15, 0.20)
TYPES_P = (0.10, 0.50, 0.20, 0.10, 0.05, 0.05)  # tv, phone, tablet, desktop, console, other


def _expand(dev: np.ndarray, start: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per hour of each (device, start hour, length) run."""
    idx = np.repeat(np.arange(len(dev)), length)
    off = np.arange(len(idx)) - np.repeat(np.cumsum(length) - length, length)
    return dev[idx], start[idx] + off


def synthetic_world(n: int, days: int = 14, seed: int = 1) -> tuple[PresenceTable, np.ndarray, dict]:
    """(presence table, true household per device code, facts) of ``n`` devices."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(np.arange(1, 7), p=[0.22, 0.30, 0.20, 0.16, 0.08, 0.04], size=n)
    hh = np.repeat(np.arange(n), sizes)[:n]
    nh = int(hh[-1]) + 1
    first = np.r_[True, hh[1:] != hh[:-1]]
    dtype = rng.choice(6, p=TYPES_P, size=n).astype(np.int8)
    dtype[first & (rng.random(n) < 0.85)] = 0
    kind = rng.choice(len(KINDS), p=KIND_P, size=nh)
    rank = np.zeros(nh, dtype=np.int64)
    for k in range(len(KINDS)):
        sel = kind == k
        rank[sel] = np.arange(sel.sum())
    counts = np.bincount(kind, minlength=len(KINDS))
    base = {}  # network code ranges
    off = 0
    for k, name in enumerate(KINDS):
        size = counts[k] if name != "cgnat" else counts[k] // 50 + 1
        base[name] = (off, max(int(size), 1))
        off += max(int(size), 1)
    base["dslite"] = (off, counts[3])
    off += counts[3]
    workers = (dtype > 0) & (rng.random(n) < 0.35)
    n_off = max(int(workers.sum()) // 40, 1)
    base["office"] = (off, n_off)
    off += n_off
    n_mob = max(n // 200, 1)
    base["mobile"] = (off, n_mob)
    off += n_mob
    n_net = off
    family = np.full(n_net, 4, dtype=np.int8)
    family[base["ipv6"][0] : base["ipv6"][0] + base["ipv6"][1]] = 6
    family[base["dslite"][0] : base["dslite"][0] + base["dslite"][1]] = 6
    dual = (kind == 3) & (rng.random(nh) < 0.5)

    def home_net(h: np.ndarray, hour: np.ndarray) -> np.ndarray:
        lease = (hour - 3) // 24  # leases renew at 03:00 UTC
        k, r = kind[h], rank[h]
        out = np.empty(len(h), dtype=np.int64)
        for i, name in enumerate(KINDS):
            s = k == i
            o, size = base[name]
            if name in ("static", "ipv6"):
                out[s] = o + r[s]
            elif name == "daily":
                out[s] = o + (r[s] + lease[s] * 7919) % size
            elif name == "weekly":
                out[s] = o + (r[s] + (lease[s] // 7) * 7919) % size
            else:
                out[s] = o + r[s] // 50
        return out

    rows_dev, rows_hour, rows_net = [], [], []

    def add(d: np.ndarray, hr: np.ndarray, nt: np.ndarray) -> None:
        rows_dev.append(d), rows_hour.append(hr), rows_net.append(nt)

    dd = np.repeat(np.arange(n), days)
    day = np.tile(np.arange(days), n)
    p_day = rng.uniform(0.4, 0.95, size=n)
    present = rng.random(len(dd)) < p_day[dd]
    d, dy = dd[present], day[present]
    start = dy * 24 + np.where(dtype[d] == 0, rng.integers(17, 21, len(d)), rng.integers(15, 21, len(d)))
    dev_h, hour_h = _expand(d, start, rng.integers(1, 5, len(d)))
    weekend = (dy % 7) >= 5
    wk = weekend & (rng.random(len(d)) < 0.6)
    dev_w, hour_w = _expand(d[wk], dy[wk] * 24 + rng.integers(8, 14, wk.sum()), rng.integers(1, 4, wk.sum()))
    dev_h, hour_h = np.r_[dev_h, dev_w], np.r_[hour_h, hour_w]
    hn = home_net(hh[dev_h], hour_h)
    add(dev_h, hour_h, hn)
    ds = dual[hh[dev_h]] & (dtype[dev_h] != 4)
    add(dev_h[ds], hour_h[ds], base["dslite"][0] + rank[hh[dev_h[ds]]])

    office_of = rng.integers(0, n_off, n)
    wd = workers[d] & ~weekend & (rng.random(len(d)) < 0.8)
    dev_o, hour_o = _expand(d[wd], dy[wd] * 24 + rng.integers(7, 12, wd.sum()), rng.integers(2, 5, wd.sum()))
    add(dev_o, hour_o, base["office"][0] + office_of[dev_o])
    mob = np.isin(dtype[d], (1, 2)) & (rng.random(len(d)) < 0.3)
    dev_m, hour_m = _expand(
        d[mob], dy[mob] * 24 + rng.integers(6, 21, mob.sum()), rng.integers(1, 3, mob.sum())
    )
    add(dev_m, hour_m, base["mobile"][0] + rng.integers(0, n_mob, len(dev_m)))

    visitors = np.flatnonzero((dtype == 1) & (rng.random(n) < 0.08))
    friend = rng.integers(0, nh, len(visitors))
    nvis = rng.integers(1, 5, len(visitors))
    vd = np.repeat(visitors, nvis)
    vf = np.repeat(friend, nvis)
    vday = rng.integers(0, days, len(vd))
    dev_v, hour_v = _expand(vd, vday * 24 + rng.integers(17, 20, len(vd)), np.full(len(vd), 2))
    fr = np.repeat(vf, 2)
    add(dev_v, hour_v, home_net(fr, hour_v))

    dev = np.concatenate(rows_dev)
    hour = T0_MS + np.concatenate(rows_hour) * H
    net = np.concatenate(rows_net)
    table = PresenceTable.from_arrays(
        np.array([f"d{i:07d}" for i in range(n)], dtype=object),
        dtype,
        np.array([f"n{i:07d}" for i in range(n_net)], dtype=object),
        family,
        dev,
        net,
        hour,
        np.ones(len(dev), dtype=np.int32),
    )
    facts = {"devices": n, "households": nh, "networks": int(n_net), "presence_rows": len(table.dev)}
    return table, hh, facts


def scores(labels: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """ARI (unassigned as singletons) and pairwise precision / recall / F1 of co-membership."""
    from sklearn.metrics import adjusted_rand_score

    pred = np.where(labels >= 0, labels, labels.max() + 1 + np.arange(len(labels)))
    pairs = lambda c: float((c * (c - 1) // 2).sum())
    tp = pairs(np.unique(pred * (truth.max() + 1) + truth, return_counts=True)[1])
    pp, tt = pairs(np.unique(pred, return_counts=True)[1]), pairs(np.unique(truth, return_counts=True)[1])
    prec, rec = tp / max(pp, 1), tp / max(tt, 1)
    return {
        "ari": round(adjusted_rand_score(truth, pred), 4),
        "pair_precision": round(prec, 4),
        "pair_recall": round(rec, 4),
        "pair_f1": round(2 * prec * rec / max(prec + rec, 1e-12), 4),
        "assigned_share": round(float((labels >= 0).mean()), 4),
    }


def _save(path: Path, t: PresenceTable, truth: np.ndarray, facts: dict) -> None:
    np.savez(
        path,
        device_type=t.device_type,
        network_family=t.network_family,
        dev=t.dev,
        net=t.net,
        hour=t.hour,
        events=t.events,
        truth=truth,
        facts=json.dumps(facts),
    )


def _load(path: Path) -> tuple[PresenceTable, np.ndarray, dict]:
    z = np.load(path)
    nd, nn = len(z["device_type"]), len(z["network_family"])
    t = PresenceTable(
        np.array([f"d{i:07d}" for i in range(nd)], dtype=object),
        z["device_type"],
        np.array([f"n{i:07d}" for i in range(nn)], dtype=object),
        z["network_family"],
        z["dev"],
        z["net"],
        z["hour"],
        z["events"],
    )
    return t, z["truth"], json.loads(str(z["facts"]))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("devices", type=int)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--cache",
        type=Path,
        help="npz file: load the world from it, or save it there "
        "(a fresh process that loads it measures the core's memory without the generator's)",
    )
    args = ap.parse_args(argv)
    p = HouseholdParams()
    t0 = time.perf_counter()
    if args.cache and args.cache.exists():
        t, truth, facts = _load(args.cache)
    else:
        t, truth, facts = synthetic_world(args.devices, args.days, args.seed)
        if args.cache:
            _save(args.cache, t, truth, facts)
    report = {
        "n": args.devices,
        "world": facts,
        "generate_s": round(time.perf_counter() - t0, 2),
        "rss_after_generate_mb": round(_rss_mb()),
        "steps": {},
    }
    steps = report["steps"]

    def step(name, fn, *a, **kw):
        s, c = time.perf_counter(), time.process_time()
        out = fn(*a, **kw)
        steps[name] = {
            "s": round(time.perf_counter() - s, 2),
            "cpu_s": round(time.process_time() - c, 2),
            "peak_rss_mb": round(_rss_mb()),
        }
        return out

    start, cstart = time.perf_counter(), time.process_time()
    run = run_households(t, p, seed=args.seed, partition=louvain_partition, step=step)  # its steps, timed
    out = step("rows_and_ids", household_rows, run, None, run.params)
    labels, net_class = run.labels, run.net_class
    report["core_total_s"] = round(time.perf_counter() - start, 2)
    report["core_cpu_s"] = round(time.process_time() - cstart, 2)
    report["core_peak_rss_mb"] = round(_rss_mb())
    report["households_found"] = len(out["households"])
    report["network_classes"] = np.bincount(net_class, minlength=6).tolist()
    report["scores"] = scores(labels, truth)
    print(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
