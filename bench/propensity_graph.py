"""Propensity through the real path: a world cut at T − 7 days, ingested into Neo4j, every graph job run
(households inferred by the households job, not the truth's), then the ``propensity`` job's stored scores
compared with what happened in the week after the cut and with the generator's truth.

    flock /tmp/hausgraph-heavy.lock .venv/bin/python -m bench.propensity_graph --world /tmp/prop_w300 --yes

The scores are read back from the graph (``PROPENSITY`` edges of the job's ``as_of``) and the model from
its ``PropensityModel`` node (data only). The outcome of an inferred household and campaign is 1 when any
of its devices converted on the campaign in [cut, cut + 7 days) — read from the full world's event file,
which the graph never saw. Truth: each truth household's ``p_next_7d`` (the week after the cut) against
the stored score of the inferred household holding most of its devices.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import orjson
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from graph.jobs import run_all
from graph.params import DAY_MS
from graph.propensity.model import evaluate
from ingest.batch import prepare
from ingest.contract import normalize_mac, parse_ts
from ingest.file_source import chunks, file_records, open_lines
from ingest.pseudonym import Pseudonymizer
from ingest.sink import write_batch

__all__ = ["cut_world", "graph_figures", "ingest_world", "next_week_conversions", "score_outcomes"]

_NOW_MS = 1_924_992_000_000  # far future: every generated timestamp is in the past


def _start_ms(truth: dict) -> int:
    return int(pd.Timestamp(truth["params"]["start"], tz="UTC").timestamp() * 1000)


def _ts(line: bytes) -> int | None:
    try:
        return parse_ts(orjson.loads(line)["ts"], _NOW_MS)
    except Exception:
        return None


def cut_world(src: Path, dst: Path, cut_day: int) -> int:
    """``dst``: ``src``'s catalog, campaigns and truth, and its events before day ``cut_day``. Returns the
    number of event lines kept."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in ("content.jsonl", "campaigns.jsonl", "truth.json"):
        if (src / name).exists():
            shutil.copyfile(src / name, dst / name)
    cut_ms = _start_ms(orjson.loads((src / "truth.json").read_bytes())) + cut_day * DAY_MS
    kept = 0
    with open_lines(str(src / "events.jsonl")) as f, open(dst / "events.jsonl", "wb") as out:
        for line in f:
            ts = _ts(line)
            if ts is None or ts < cut_ms:
                out.write(line)
                kept += 1
    return kept


def ingest_world(client, world: Path, pseudo: Pseudonymizer, batch: int = 20_000) -> None:
    """Catalog, campaigns, then events of ``world``, the way ``hausgraph ingest --from-file`` does."""
    for name, kind in (
        ("content.jsonl", "content"),
        ("campaigns.jsonl", "campaign"),
        ("events.jsonl", "view"),
    ):
        if not (world / name).exists():
            continue
        with open_lines(str(world / name)) as stream:
            for chunk in chunks(file_records(stream, name, kind), batch):
                now = int(time.time() * 1000)
                write_batch(client, prepare(chunk, pseudo, now), f"file:{kind}", now)


def next_week_conversions(
    world: Path, cut_day: int, horizon_days: int, pseudo: Pseudonymizer
) -> pd.DataFrame:
    """``device, campaign``: each device key's conversions in [cut, cut + horizon) in the full world."""
    start = _start_ms(orjson.loads((world / "truth.json").read_bytes()))
    lo, hi = start + cut_day * DAY_MS, start + (cut_day + horizon_days) * DAY_MS
    rows = set()
    with open_lines(str(world / "events.jsonl")) as f:
        for line in f:
            if b'"conversion"' not in line:
                continue
            try:
                o = orjson.loads(line)
                ts = parse_ts(o["ts"], _NOW_MS)
                if lo <= ts < hi and o.get("event") == "conversion" and o.get("campaign_id"):
                    rows.add((pseudo.mac(normalize_mac(o["mac"])), o["campaign_id"]))
            except Exception:  # noqa: S112 - malformed lines are not outcomes
                continue
    return pd.DataFrame(sorted(rows), columns=["device", "campaign"])


def score_outcomes(scores: pd.DataFrame, members: pd.DataFrame, conversions: pd.DataFrame) -> pd.DataFrame:
    """``scores`` (household, campaign, score) with ``converted``: a member device converted next week.

    >>> s = pd.DataFrame({"household": ["H1", "H2"], "campaign": ["c", "c"], "score": [0.9, 0.1]})
    >>> m = pd.DataFrame({"device": ["d1", "d2", "d3"], "household": ["H1", "H1", "H2"]})
    >>> score_outcomes(s, m, pd.DataFrame({"device": ["d2"], "campaign": ["c"]}))["converted"].tolist()
    [1, 0]
    """
    hit = conversions.merge(members, on="device")[["household", "campaign"]].drop_duplicates()
    out = scores.merge(hit.assign(converted=1), on=["household", "campaign"], how="left")
    return out.assign(converted=out["converted"].fillna(0).astype(int))


def _truth_pairs(truth: dict, members: pd.DataFrame, pseudo: Pseudonymizer) -> pd.DataFrame:
    """Truth ``p_next_7d`` per (truth household, campaign) with the inferred household holding most of
    its devices."""
    where = members.set_index("device")["household"]
    inferred = {}
    for d in truth["devices"]:
        h = where.get(pseudo.mac(normalize_mac(d["mac"])))
        if h is not None:
            inferred.setdefault(d["household"], []).append(h)
    major = {t: pd.Series(v).mode().iloc[0] for t, v in inferred.items()}
    rows = pd.DataFrame(truth.get("propensity", []))
    rows["household"] = rows["household"].map(major)
    return rows.dropna(subset=["household"])


def graph_figures(client, world: Path, cut_day: int, pseudo: Pseudonymizer, horizon_days: int = 7) -> dict:
    """The figures of the job's stored scores and model, after every job ran on the cut world."""
    truth = orjson.loads((world / "truth.json").read_bytes())
    as_of = _start_ms(truth) + cut_day * DAY_MS
    scores = pd.DataFrame(client.read("propensity/read_propensity_scores", as_of=as_of))
    if scores.empty:
        return {"as_of": as_of, "stored_scores": 0}
    (model,) = client.read("propensity/read_propensity_model", hash=scores["model"].iloc[0])
    record = json.loads(model["record"])
    members = pd.DataFrame(client.read("export/read_household_export")).rename(
        columns={"device_key": "device", "household_id": "household"}
    )
    rows = score_outcomes(scores, members, next_week_conversions(world, cut_day, horizon_days, pseudo))
    m = evaluate(rows["converted"].to_numpy(), rows["score"].to_numpy())
    big = [b for b in m["calibration"] if b["n"] >= 100]
    t = _truth_pairs(truth, members, pseudo).merge(scores, on=["household", "campaign"])
    out = {
        "as_of": as_of,
        "as_of_day": cut_day,
        "inferred_households": int(members["household"].nunique()),
        "truth_households": len(truth["households"]),
        "model": {k: model[k] for k in ("hash", "auc", "log_loss", "baseline_auc")},
        "job_held_back_calibration_gap": _gap(record["metrics"]["calibration"]),
        "stored_scores": len(rows),
        "next_week": {k: m[k] for k in ("rows", "positives", "auc", "log_loss")},
        "next_week_calibration_gap": _gap(m["calibration"]),
        "next_week_calibration": m["calibration"],
        "deciles_with_100": len(big),
    }
    out.update(_truth_figures(t, rows))
    return out


def _truth_figures(t: pd.DataFrame, rows: pd.DataFrame) -> dict:
    """Stored score against the truth's probability, and the truth's own AUC on the same outcomes."""
    if not len(t) or t["p_next_7d"].nunique() < 2:
        return {}
    best = t.groupby(["household", "campaign"])["p_next_7d"].max().rename("p").reset_index()
    p = rows.merge(best, on=["household", "campaign"], how="left")["p"].fillna(0.0)
    both = rows["converted"].nunique() == 2
    return {
        "truth_rows": len(t),
        "spearman_score_vs_truth_p": round(float(spearmanr(t["score"], t["p_next_7d"]).statistic), 4),
        "mean_score_vs_mean_truth_p": (
            round(float(t["score"].mean()), 4),
            round(float(t["p_next_7d"].mean()), 4),
        ),
        "truth_p_auc_same_rows": round(float(roc_auc_score(rows["converted"], p)), 4) if both else None,
    }


def _gap(calibration: list[dict]) -> float | None:
    big = [b for b in calibration if b["n"] >= 100]
    return round(max(abs(b["mean_score"] - b["observed"]) for b in big), 4) if big else None


def main() -> None:
    from bench.common import SECRET, bench_settings
    from graph.admin import migrate, reset
    from hausgraph.runtime import graph_client
    from hausgraph.servers import ensure_started

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--world", type=Path, required=True, help="a generated world directory")
    ap.add_argument("--cut-day", type=int, default=None, help="default: the world's days − 7")
    ap.add_argument("--work", type=Path, default=Path("/tmp/propensity-graph-cut"))
    ap.add_argument("--yes", action="store_true", help="allow wiping the benchmark graph")
    a = ap.parse_args()
    if not a.yes:
        sys.exit("this benchmark empties the benchmark servers' graph; pass --yes")
    truth = orjson.loads((a.world / "truth.json").read_bytes())
    cut = a.cut_day if a.cut_day is not None else int(truth["params"]["days"]) - 7
    settings = bench_settings()
    client = graph_client(settings, ensure_started(settings))
    pseudo = Pseudonymizer(SECRET)
    figures: dict = {"world": str(a.world), "cut_day": cut}
    t = time.perf_counter()
    figures["event_lines_before_cut"] = cut_world(a.world, a.work, cut)
    reset(client)
    migrate(client)
    ingest_world(client, a.work, pseudo)
    figures["ingest_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    runs = run_all(client)
    figures["jobs_s"] = round(time.perf_counter() - t, 1)
    figures["propensity_counts"] = next(c.counts for c in runs if c.job == "propensity")
    figures.update(graph_figures(client, a.world, cut, pseudo))
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
