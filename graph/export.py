"""Contract section 4 exports as CSV text: pure formatting of the rows the export queries return."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

__all__ = ["HOUSEHOLD_HEADER", "LINK_HEADER", "PERSONA_HEADER", "households_csv", "links_csv", "personas_csv"]

HOUSEHOLD_HEADER = ("device_key", "household_id", "confidence")
LINK_HEADER = ("household_a", "household_b", "weight", "evidence")
PERSONA_HEADER = ("device_key", "persona", "since", "age_band", "churn_risk", "evidence")


def _evidence_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def households_csv(rows: Iterable[dict[str, Any]]) -> str:
    """``device_key,household_id,confidence`` with confidence clamped to [0, 1].

    >>> print(households_csv([{"device_key": "k1", "household_id": "hh-1", "confidence": 0.91234}]), end="")
    device_key,household_id,confidence
    k1,hh-1,0.9123
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HOUSEHOLD_HEADER)
    for r in rows:
        conf = min(max(float(r["confidence"] or 0.0), 0.0), 1.0)
        w.writerow((r["device_key"], r["household_id"], f"{conf:.4f}"))
    return buf.getvalue()


def links_csv(rows: Iterable[dict[str, Any]]) -> str:
    """``household_a,household_b,weight,evidence`` with ``household_a < household_b``.

    >>> row = {"household_a": "b", "household_b": "a", "weight": 2.5, "evidence": {"visits": 3}}
    >>> print(links_csv([row]), end="")
    household_a,household_b,weight,evidence
    a,b,2.5000,"{""visits"":3}"
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LINK_HEADER)
    for r in rows:
        a, b = sorted((r["household_a"], r["household_b"]))
        w.writerow((a, b, f"{float(r['weight']):.4f}", _evidence_text(r["evidence"])))
    return buf.getvalue()


def personas_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Contract section 6: ``device_key,persona,since,age_band,churn_risk,evidence`` (empty unknown band).

    >>> row = {"device_key": "k1", "persona": "binger", "since": "2026-10-05", "age_band": None,
    ...        "churn_risk": "low", "evidence": {"series_views": 9}}
    >>> print(personas_csv([row]), end="")
    device_key,persona,since,age_band,churn_risk,evidence
    k1,binger,2026-10-05,,low,"{""series_views"":9}"
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PERSONA_HEADER)
    for r in rows:
        evidence = r["evidence"]
        if isinstance(evidence, str):
            evidence = json.loads(evidence)
        w.writerow(
            (
                r["device_key"],
                r["persona"],
                r["since"],
                r.get("age_band") or "",
                r["churn_risk"],
                _evidence_text(evidence),
            )
        )
    return buf.getvalue()
