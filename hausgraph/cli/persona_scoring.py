"""Persona scores of a generated world for ``hausgraph evaluate``: from an export, or offline from its files.

Offline, the world's ``events.jsonl[.gz]`` and ``content.jsonl`` go through the ingest contract
(invalid lines and duplicates dropped, MACs keyed as the truth keys them), then
``graph.device_days.device_days_from_events`` and the personas model: no servers needed.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

from rich.table import Table

from generator.persona_scores import read_personas_csv, score_personas
from graph.device_days import catalog_meta, device_days_from_events
from graph.persona_model import personas_from_rows
from graph.vocabulary import DAY_MS
from hausgraph.cli.common import console
from ingest.contract import normalize_mac, parse_content, parse_view
from ingest.errors import InvalidRecord

__all__ = ["offline_persona_rows", "persona_scores", "print_persona_scores", "world_device_days"]

_FAR_MS = 4_102_444_800_000  # 2100: a world's events are never "in the future" here


def _lines(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        yield from fh


def world_device_days(world: Path, truth: dict) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """Device-day rows of the world in directory ``world``, its last day (epoch ms) and the catalog's
    content -> series map, offline."""
    keys = {d["mac"]: d["key"] for d in truth["devices"]}
    events, seen = [], set()
    path = world / "events.jsonl.gz" if (world / "events.jsonl.gz").exists() else world / "events.jsonl"
    for line in _lines(path):
        try:
            e = parse_view(line, _FAR_MS)
        except InvalidRecord:
            continue
        ident = e.event_id or (e.ts_ms, e.ip, e.mac, e.event, e.content_id, e.ad_id)
        key = keys.get(normalize_mac(e.mac))
        if ident in seen or key is None:
            continue
        seen.add(ident)
        events.append(
            {
                "device": key,
                "ts": e.ts_ms,
                "event": e.event,
                "content_id": e.content_id,
                "duration_s": e.duration_s,
                "device_type": e.device_type,
            }
        )
    content = []
    for line in _lines(world / "content.jsonl"):
        try:
            content.append(parse_content(line).model_dump())
        except InvalidRecord:
            continue
    p = truth["params"]
    start = date.fromisoformat(p["start"])
    as_of = (start - date(1970, 1, 1)).days * DAY_MS + (p["days"] - 1) * DAY_MS
    return (
        device_days_from_events(events, catalog_meta(content)),
        as_of,
        {c["content_id"]: c["series_id"] for c in content if c.get("series_id")},
    )


def offline_persona_rows(world: Path, truth: dict) -> list[dict[str, Any]]:
    """Contract §6 rows of the world in directory ``world`` (events, content, truth), computed offline."""
    rows, as_of, series = world_device_days(world, truth)
    result = personas_from_rows(rows, as_of_ms=as_of, content_series=series)
    return [{"device_key": d["device"], **d, "evidence": json.loads(d["evidence"])} for d in result.devices]


def persona_scores(truth_path: Path, truth: dict, export: Path | None) -> dict[str, Any]:
    """Scores of ``export`` (a contract §6 CSV), or of the offline model when ``export`` is None."""
    rows = read_personas_csv(export) if export else offline_persona_rows(truth_path.parent, truth)
    return score_personas(truth, rows)


def print_persona_scores(s: dict[str, Any]) -> None:
    """A table of :func:`generator.persona_scores.score_personas`."""
    t = Table(title=f"Personas against ground truth ({s['judged']:,} of {s['devices']:,} devices judged)")
    for col in ("what", "precision", "recall", "predicted", "true"):
        t.add_column(col, justify="left" if col == "what" else "right")
    rows = [(f"persona {k}", v) for k, v in s["personas"].items()]
    rows += [(f"age band {k}", v) for k, v in s["age_bands"].items()]
    rows.append(("binger → ghoster", s["transitions"]))
    fmt = lambda x: "-" if x is None else f"{x:.3f}"
    for name, v in rows:
        t.add_row(name, fmt(v["precision"]), fmt(v["recall"]), str(v["predicted"]), str(v["true"]))
    console.print(t)
