"""Scoring a persona export (contract section 6) against a world's truth: personas, age bands, transitions.

Scored devices are those of the truth that sent an event and that the export names. Precision of a
persona counts every device predicted with it except shared devices of several people (whose
viewers the truth cannot name); recall counts the devices the truth intends it for. A binge watcher
turned ghoster (who sent an event after the switch: no method sees a switch to silence as more than
absence) is found when the export says ``ghoster`` and its evidence has ``previous`` = ``binger`` or a
``binger_weeks_ago`` of at most 4.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

__all__ = ["read_personas_csv", "score_personas"]

_PERSONAS = ("binger", "ghoster", "kids", "loyal")
_BANDS = ("kid", "teen", "adult")


def read_personas_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a persona export, with ``evidence`` parsed."""
    with open(path, newline="") as fh:
        return [{**r, "evidence": json.loads(r["evidence"] or "{}")} for r in csv.DictReader(fh)]


def _pr(pred: set, true: set, universe: set) -> dict[str, Any]:
    pred &= universe
    hit = len(pred & true)
    return {
        "precision": round(hit / len(pred), 4) if pred else None,
        "recall": round(hit / len(true), 4) if true else None,
        "predicted": len(pred),
        "true": len(true),
    }


def _was_binger(evidence: dict[str, Any], weeks: int = 4) -> bool:
    """A binger just before the current run, or within ``weeks`` weeks of the current week."""
    ago = evidence.get("binger_weeks_ago")
    return evidence.get("previous") == "binger" or (ago is not None and ago <= weeks)


def score_personas(truth: dict, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision/recall per persona and age band, and binger→ghoster transitions found.

    >>> truth = {"devices": [
    ...   {"key": "a", "events": 9, "owner": "P1", "persona": "binger", "age_band": "adult",
    ...    "persona_switch": None},
    ...   {"key": "b", "events": 9, "owner": "P2", "persona": "ghoster", "age_band": "kid",
    ...    "persona_switch": {"from": "binger", "to": "ghoster"}},
    ...   {"key": "c", "events": 9, "owner": None, "persona": None, "age_band": None,
    ...    "persona_switch": None}]}
    >>> rows = [{"device_key": "a", "persona": "binger", "age_band": "adult", "evidence": {}},
    ...         {"device_key": "b", "persona": "ghoster", "age_band": "adult",
    ...          "evidence": {"previous": "binger"}},
    ...         {"device_key": "c", "persona": "binger", "age_band": "", "evidence": {}}]
    >>> s = score_personas(truth, rows)
    >>> s["personas"]["binger"]["precision"], s["transitions"]["recall"], s["age_bands"]["kid"]["recall"]
    (1.0, 1.0, 0.0)
    """
    by_key = {r["device_key"]: r for r in rows}
    devs = [d for d in truth["devices"] if d.get("events", 0) > 0 and d["key"] in by_key]
    unrevealed = {d["key"] for d in devs if (d.get("persona_switch") or {}).get("events_after", 1) == 0}
    judged = {
        d["key"] for d in devs if d.get("owner") is not None or d.get("persona") is not None
    } - unrevealed
    out: dict[str, Any] = {"devices": len(devs), "judged": len(judged), "personas": {}, "age_bands": {}}
    for p in _PERSONAS:
        true = {d["key"] for d in devs if d.get("persona") == p}
        pred = {k for k in judged if by_key[k]["persona"] == p}
        out["personas"][p] = _pr(pred, true, judged)
    owned = {d["key"] for d in devs if d.get("age_band")}
    for b in _BANDS:
        true = {d["key"] for d in devs if d.get("age_band") == b}
        pred = {k for k in owned if by_key[k].get("age_band") == b}
        out["age_bands"][b] = _pr(pred, true, owned)
    # a switch counts when the device sent something after it (as a visit counts when a device reveals it)
    true_sw = {
        d["key"]
        for d in devs
        if (d.get("persona_switch") or {}).get("from") == "binger"
        and d["persona_switch"].get("events_after", 1) > 0
    }
    found = {
        k
        for k in judged
        if by_key[k]["persona"] == "ghoster" and _was_binger(by_key[k].get("evidence") or {})
    }
    out["transitions"] = _pr(found, true_sw, judged)
    return out
