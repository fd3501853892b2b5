"""Live stability of households: replay a world as the demo's live stream, with its job schedule.

    python bench/live_stability.py [--households 300] [--days 14] [--minutes 30] [--rate 50]

What ``make demo`` does, without servers: the world's history as presence rows (the
ingester's own ``prepare``), a full household run, then the world streamed live
(``generator.live.stream_live`` on a simulated clock, stamped 30 days after the history)
at ``--rate`` events/s. Every ``--every`` seconds an incremental run sees what the job
reads (devices touched since the last run, their neighbours on home-like networks in the
last 48 h, all presence rows of those devices) and is held to the stored households
(``graph.households.settle``); every ``--full-every`` seconds a full run. Measures the
share of devices that keep their household id throughout, and the agreement (pair F1)
between the final live state and a full run on the same data: the full run's own result (its
Louvain splits started from the stored households, ``HouseholdParams.warm_start``), what the
live system's next full run would write (held to the stored households,
``graph.households.hold``), and a cold full run (no stored households); and, as the bound of
the first, the pair F1 of each full run's own result against the next one's (how much a few
minutes of stream move a full run). A world with moves (variant ``movers``) continues from its
last day; devices whose true household changed leave the kept-ids share, and the bench reports
how many of them the live state follows to their new home, and when.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))

from tune_households import world_rows

from generator.evaluate import membership_correct, score_households
from generator.live import stream_live
from generator.params import variant_params
from graph.households import household_rows, run_households
from graph.households.hold import hold_full_run
from graph.households.settle import settle_run
from graph.networks import PresenceTable
from graph.params import DEVICE_TYPES, HOUR_MS, NETWORK_CLASSES, HouseholdParams
from ingest.batch import SourceRecord, prepare
from ingest.pseudonym import Pseudonymizer
from ingest.rows import hour_rows

HOMELIKE = (NETWORK_CLASSES.index("home"), NETWORK_CLASSES.index("unknown"))


class Store:
    """Presence rows as growing columns, keyed like the graph (device, network, hour)."""

    def __init__(self) -> None:
        self.dkey: dict[str, int] = {}
        self.nkey: dict[str, int] = {}
        self.dtype: list[int] = []
        self.fam: list[int] = []
        self.rows: dict[tuple[int, int, int], int] = {}
        self.cls: dict[int, int] = {}  # network code -> class of the last full run

    def add(self, rows: list[dict]) -> set[int]:
        touched = set()
        for r in rows:
            d = self.dkey.setdefault(r["device"], len(self.dkey))
            if d == len(self.dtype):
                self.dtype.append(-1)
            t = r.get("device_type", r.get("dtype"))
            if t in DEVICE_TYPES:
                self.dtype[d] = DEVICE_TYPES.index(t)
            n = self.nkey.setdefault(r["network"], len(self.nkey))
            if n == len(self.fam):
                self.fam.append(int(r.get("family") or 4))
            ev = r["events"]
            ev = len(ev) if isinstance(ev, list) else int(ev or 1)
            k = (d, n, int(r["hour"]))
            self.rows[k] = self.rows.get(k, 0) + ev
            touched.add(d)
        self._cols = None
        return touched

    def columns(self) -> tuple[np.ndarray, ...]:
        if self._cols is None:
            k = np.array(list(self.rows.keys()), dtype=np.int64).reshape(-1, 3)
            self._cols = (k[:, 0], k[:, 1], k[:, 2], np.array(list(self.rows.values()), dtype=np.int64))
        return self._cols

    def table(self, devices: np.ndarray | None = None) -> PresenceTable:
        dev, net, hour, ev = self.columns()
        dkeys = np.array(list(self.dkey), dtype=object)
        nkeys = np.array(list(self.nkey), dtype=object)
        if devices is not None:
            sel = np.isin(dev, devices)
            dev, net, hour, ev = dev[sel], net[sel], hour[sel], ev[sel]
        # codes into sorted key arrays, as PresenceTable.from_rows makes them
        ud, dinv = np.unique(dev, return_inverse=True)
        un, ninv = np.unique(net, return_inverse=True)
        dorder, norder = np.argsort(dkeys[ud].astype(str)), np.argsort(nkeys[un].astype(str))
        drank, nrank = np.empty_like(dorder), np.empty_like(norder)
        drank[dorder], nrank[norder] = np.arange(len(ud)), np.arange(len(un))
        return PresenceTable.from_arrays(
            dkeys[ud][dorder],
            np.array(self.dtype, dtype=np.int8)[ud][dorder],
            nkeys[un][norder],
            np.array(self.fam, dtype=np.int8)[un][norder],
            drank[dinv],
            nrank[ninv],
            hour,
            ev,
        )

    def neighbours(self, touched: set[int], window_ms: int) -> np.ndarray:
        """Touched devices and every device on a home-like network with them recently
        (``cypher/jobs/read_touched_devices.cypher``)."""
        dev, net, hour, _ = self.columns()
        t = np.array(sorted(touched), dtype=np.int64)
        last = np.zeros(len(self.dkey), dtype=np.int64)
        np.maximum.at(last, dev, hour)
        homelike = np.array([self.cls.get(n, HOMELIKE[0]) in HOMELIKE for n in range(len(self.nkey))])
        mine = np.isin(dev, t) & (hour >= last[dev] - window_ms) & homelike[net]
        start = np.full(len(self.nkey), np.iinfo(np.int64).max)
        np.minimum.at(start, net[mine], hour[mine])
        near = (start[net] < np.iinfo(np.int64).max) & (hour >= start[net] - window_ms)
        return np.union1d(t, np.unique(dev[near]))


def _live_batches(
    households: int,
    days: int,
    seed: int,
    start_s: float,
    minutes: float,
    rate: float,
    every: float,
    variant: str = "default",
    first_day: int = 0,
):
    """Lines of the live stream, grouped per ``every`` seconds of the simulated clock."""
    clock = [start_s]
    batches: list[tuple[float, list[bytes]]] = []

    class Sink:
        first = True

        def write(self, lines, keys):
            if Sink.first:  # the catalogue
                Sink.first = False
                return
            b = int((clock[0] - start_s) // every)
            while len(batches) <= b:
                batches.append(((len(batches) + 1) * every, []))
            batches[b][1].extend(line if isinstance(line, bytes) else line.encode() for line in lines)

    def sleep(s):
        clock[0] += s

    params = variant_params(variant, households=households, days=days, seed=seed, secret="s")
    stream_live(
        params,
        Sink(),
        rate,
        forever=True,
        clock=lambda: clock[0],
        sleep=sleep,
        max_events=int(rate * minutes * 60),
        first_day=first_day,
    )
    return batches


def _diagnose(
    run, hp: HouseholdParams, state: dict[str, str], full: dict[str, str], first_cls: dict[str, int]
) -> dict[str, int]:
    """Pairs the live state and a full run disagree on, by the kind of the full run's component
    (connected components of household ties) that holds the first device: ``whole`` (kept as one
    household), ``split`` (cut by Louvain), ``none`` (the device has no tie), and whether the
    other device shares that component; and how many of those pairs have a device on a network
    whose class changed since the first full run (``first_cls``: network key -> class)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from graph.households.cluster import edge_mask

    cp = run.copresence
    n = len(cp.home_windows)
    m = edge_mask(cp, hp)
    g = coo_matrix((np.ones(int(m.sum()), np.int8), (cp.a[m], cp.b[m])), shape=(n, n)).tocsr()
    _, comp = connected_components(g, directed=False)
    size = np.bincount(comp, minlength=n)
    keys = run.table.device_keys.tolist()
    code = {k: i for i, k in enumerate(keys)}
    split = {}
    for k, i in code.items():
        labs = {full.get(keys[j]) for j in np.flatnonzero(comp == comp[i])} if size[comp[i]] > 1 else set()
        split[k] = "none" if size[comp[i]] == 1 else ("split" if len(labs) > 1 else "whole")
    out: Counter = Counter()
    nkeys = run.table.network_keys.tolist()
    flipped = np.array([first_cls.get(k, c) != c for k, c in zip(nkeys, run.net_class.tolist())])
    on_flip = np.zeros(n, dtype=bool)
    on_flip[np.unique(run.table.dev[flipped[run.table.net]])] = True
    out["networks_whose_class_changed"] = int(flipped.sum())
    devs = sorted(full)  # as score_households(full, state): devices the full run assigns
    groups_s, groups_f = defaultdict(set), defaultdict(set)
    for d in devs:
        groups_s[state.get(d, "single:" + d)].add(d)
        groups_f[full[d]].add(d)
    for d in devs:
        mates_s = groups_s[state.get(d, "single:" + d)] - {d}
        mates_f = groups_f[full[d]] - {d}
        for e in mates_s ^ mates_f:
            if d < e and d in code and e in code:
                same = "same_component" if comp[code[d]] == comp[code[e]] else "across_components"
                side = "live_only" if e in mates_s else "full_only"
                out[f"{split.get(d)}/{same}/{side}"] += 1
                out["pairs_with_a_device_on_such_a_network"] += int(on_flip[code[d]] or on_flip[code[e]])
    return dict(sorted(out.items()))


def _assignment(out: dict) -> dict[str, str]:
    return {m["device"]: m["household_id"] for m in out["memberships"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=300)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variant", default="default", help="a generator variant, e.g. dense-pools")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--every", type=float, default=10, help="incremental run every this many seconds")
    ap.add_argument("--full-every", type=float, default=300, help="full run every (0: never)")
    ap.add_argument("--no-settle", action="store_true", help="incremental runs not held (for a baseline)")
    ap.add_argument("--no-hold", action="store_true", help="full runs followed at once (as before hold)")
    ap.add_argument("--cold", action="store_true", help="full runs not warm-started (as before warm start)")
    ap.add_argument(
        "--first-day",
        type=int,
        default=None,
        help="world day the live stream starts at (default: 0, the demo's replay; a world with moves: "
        "--days, so the stream continues the history and movers stay where they moved to)",
    )
    ap.add_argument("--verbose", action="store_true", help="print every run that changed an id")
    ap.add_argument("--diagnose", action="store_true", help="print the disagreeing pairs by component kind")
    ap.add_argument("--out", type=Path, default=Path("out/live_stability.json"))
    ap.add_argument("--set", nargs="*", default=[], help="HouseholdParams overrides, e.g. merge_share=0.4")
    a = ap.parse_args()
    hp = HouseholdParams(
        **{k: type(getattr(HouseholdParams(), k))(float(v)) for k, v in (x.split("=") for x in a.set)}
    )
    if a.cold:
        hp = replace(hp, warm_start=False)
    t0 = time.perf_counter()
    rows, truth = world_rows(a.households, a.days, a.seed, a.variant)
    store = Store()
    store.add(rows)
    hist_end = max(r["hour"] for r in rows)
    start_s = (hist_end + 30 * 86_400_000) / 1000
    moves = truth.get("moves", [])
    first_day = a.first_day if a.first_day is not None else (a.days if moves else 0)
    batches = _live_batches(
        a.households, a.days, a.seed, start_s, a.minutes, a.rate, a.every, a.variant, first_day
    )
    pseudo = Pseudonymizer("s")

    pending: dict[str, dict] = {}
    provisional: set[str] = set()  # placed by incremental runs only, not yet by a full run
    plain_runs: list[dict[str, str]] = []  # each full run's own result (no stored households)
    last_run: list = [None]

    def full(previous, t_s: float, keep: bool = True):
        """A full run at ``t_s``: held to ``previous`` (unless --no-hold); ``keep``: store its pending.
        Its own result goes to ``plain_runs``."""
        nonlocal pending, provisional
        run = run_households(store.table(), hp, previous=previous)  # warm unless --cold
        last_run[0] = run
        store.cls = {store.nkey[str(k)]: int(c) for k, c in zip(run.table.network_keys, run.net_class)}
        plain = _assignment(household_rows(run, None, hp))
        plain_runs.append(plain)
        if not previous or a.no_hold:
            return plain if not previous else _assignment(household_rows(run, previous, hp))
        now_ms = int((start_s + t_s) * 1000)
        run, ids, after = hold_full_run(run, previous, pending, hp, now_ms, provisional)
        if keep:
            pending, provisional = after, set()
        return _assignment(household_rows(run, previous, hp, ids=ids))

    state = full(None, 0.0)
    first_cls = {str(k): int(c) for k, c in zip(last_run[0].table.network_keys, last_run[0].net_class)}
    first = dict(state)
    changed: set[str] = set()
    by_key = {d["key"]: d["household"] for d in truth["devices"] if d["events"] > 0}
    # devices whose true household changed (not a whole home's move: its household is the same)
    movers = {k: m for m in moves if m["kind"] != "home" for k in m["devices"] if k in by_key}
    homes_moved = {k for m in moves if m["kind"] == "home" for k in m["devices"] if k in first}
    followed_at: dict[str, float] = {}  # mover -> first time the live state had it in its new home

    def follow(t_s: float, st: dict[str, str]) -> None:
        right = membership_correct(by_key, st)
        for k in movers:
            if right.get(k) and k not in followed_at:
                followed_at[k] = t_s
            elif not right.get(k):
                followed_at.pop(k, None)

    follow(0.0, state)
    runs = moved_runs = 0
    last_full = 0.0
    for t_s, lines in batches:
        recs = [SourceRecord("view", x, "live", 0, i) for i, x in enumerate(lines)]
        prep = prepare(recs, pseudo, int((start_s + t_s) * 1000) + HOUR_MS)
        touched = store.add(hour_rows(prep.presence))
        if a.full_every and t_s - last_full >= a.full_every:
            new = full(state, t_s)
            last_full = t_s
        elif touched:
            devs = store.neighbours(touched, hp.incremental_window_hours * HOUR_MS)
            run = run_households(store.table(devs), hp)
            ids = None
            if not a.no_settle:
                run, ids = settle_run(run, state, hp)
            out = household_rows(run, state, hp, ids=ids)
            new = dict(state)
            new.update(_assignment(out))
            provisional |= set(new) - set(state)
            for u in out["unassigned"]:
                new.pop(u["device"], None)
            runs += 1
        else:
            continue
        diff = {d for d in set(state) | set(new) if state.get(d) != new.get(d) and d in first}
        for d in set(state) | set(new):  # an incremental move starts a proposal afresh
            if state.get(d) != new.get(d) and t_s != last_full:
                pending.pop(d, None)
        if a.verbose and diff:
            kind = "full" if t_s == last_full else "incremental"
            print(f"t={t_s:.0f}s {kind}: {len(diff)} devices changed id")
        moved_runs += bool(diff)
        changed |= diff
        state = new
        if movers:
            follow(t_s, state)
    end_s = batches[-1][0] if batches else 0.0
    held_full = full(state, end_s, keep=False)  # what the live system's next full run would write
    final_full = plain_runs.pop()
    if a.diagnose:
        print(json.dumps(_diagnose(last_run[0], hp, state, final_full, first_cls)))
        print("held vs full pair F1", score_households(final_full, held_full).pair_f1)
    cold_full = _assignment(
        household_rows(run_households(store.table(), replace(hp, warm_start=False)), None, hp)
    )
    noise = [score_households(x, y).pair_f1 for x, y in zip(plain_runs, plain_runs[1:] + [final_full])]
    agree = score_households(final_full, state)
    stayed = [d for d in first if d not in movers]
    right_cold = membership_correct(by_key, cold_full)
    res = {
        "variant": a.variant,
        "seed": a.seed,
        "households": a.households,
        "days": a.days,
        "minutes": a.minutes,
        "rate": a.rate,
        "settle": not a.no_settle,
        "hold": not a.no_hold,
        "incremental_runs": runs,
        "runs_that_moved_a_device": moved_runs,
        "devices": len(first),
        "kept_id_share": round(1 - len(changed & set(stayed)) / max(len(stayed), 1), 4),
        "live_vs_full_pair_f1": round(agree.pair_f1, 4),
        "live_vs_held_full_pair_f1": round(score_households(held_full, state).pair_f1, 4),
        "live_vs_cold_full_pair_f1": round(score_households(cold_full, state).pair_f1, 4),
        "full_vs_previous_full_pair_f1": [round(x, 4) for x in noise],
        "pending_moves": len(pending),
        "live_truth_pair_f1": round(score_households(by_key, state).pair_f1, 4),
        "full_truth_pair_f1": round(score_households(by_key, final_full).pair_f1, 4),
        "cold_full_truth_pair_f1": round(score_households(by_key, cold_full).pair_f1, 4),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if moves:  # world days of data at the new home when the stream starts: days - move day
        age = {k: a.days - m["day"] for m in moves if m["kind"] != "home" for k in m["devices"]}
        res["movers"] = {
            "first_day": first_day,
            "moves": dict(Counter(m["kind"] for m in moves)),
            "moved_devices": len(movers),
            "followed_at_start": sum(1 for t in followed_at.values() if t == 0.0),
            "followed_at_end": len(followed_at),
            "followed_during_stream_s": sorted(t for t in followed_at.values() if t > 0),
            "cold_full_followed": sum(1 for k in movers if right_cold.get(k)),
            "followed_by_days_at_new_home": {
                str(d): f"{sum(1 for k in movers if age[k] == d and k in followed_at)}/"
                f"{sum(1 for k in movers if age[k] == d)}"
                for d in sorted(set(age.values()))
            },
            "whole_home_devices_kept_id": f"{len(homes_moved - changed)}/{len(homes_moved)}",
        }
    print(json.dumps(res))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
