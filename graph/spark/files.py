"""Parquet directories any cluster can read: the presence table in, households out (no Spark here).

Layout of a job's output directory: ``memberships/``, ``households/``, ``unassigned/`` and
``networks/``, each a Parquet dataset (a directory of part files, as Spark writes them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graph.networks import PresenceTable
from graph.params import DEVICE_TYPES
from graph.spark.errors import InputInvalid, SparkUnavailable

__all__ = [
    "OUTPUT_TABLES",
    "PRESENCE_COLUMNS",
    "check_memberships_dir",
    "check_presence_dir",
    "read_links",
    "read_output",
    "schema_problems",
    "write_presence",
    "write_presence_table",
]

#: Presence columns and the kind of type each must have (Parquet/Spark type names are mapped to these).
PRESENCE_COLUMNS = {
    "device": "string",
    "device_type": "string",
    "network": "string",
    "family": "integer",
    "hour": "integer",
    "events": "integer",
}
OUTPUT_TABLES = ("memberships", "households", "unassigned", "networks")
_KIND = {
    "string": "string",
    "large_string": "string",
    "utf8": "string",
    "large_utf8": "string",
    "null": "string",
    **{t: "integer" for t in ("int8", "int16", "int32", "int64", "tinyint", "smallint", "int", "bigint")},
    **{t: "integer" for t in ("integer", "long", "short", "byte", "uint8", "uint16", "uint32")},
}


def schema_problems(fields: Mapping[str, str]) -> list[str]:
    """What is wrong with a presence schema (column -> type name), as readable reasons.

    >>> schema_problems({"device": "string", "network": "string", "hour": "bigint", "events": "int",
    ...                  "family": "int", "device_type": "string"})
    []
    >>> schema_problems({"device": "string", "network": "double", "hour": "string"})
    ... # doctest: +NORMALIZE_WHITESPACE
    ['missing column device_type', 'missing column events', 'missing column family',
     'network is double, expected string', 'hour is string, expected integer']
    """
    out = [f"missing column {c}" for c in sorted(PRESENCE_COLUMNS) if c not in fields]
    for col, kind in PRESENCE_COLUMNS.items():
        got = fields.get(col)
        if got is not None and _KIND.get(got.lower()) != kind:
            out.append(f"{col} is {got}, expected {kind}")
    return out


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:
        raise SparkUnavailable("pyarrow", "install the extra: pip install 'hausgraph[spark]'") from err
    return pa, pq


def _presence_schema():
    pa, _ = _pyarrow()
    return pa.schema(
        [
            ("device", pa.string()),
            ("device_type", pa.string()),
            ("network", pa.string()),
            ("family", pa.int32()),
            ("hour", pa.int64()),
            ("events", pa.int32()),
        ]
    )


def write_presence(rows: Iterable[Mapping[str, Any]], out: Path, chunk: int = 1_000_000) -> int:
    """Write presence row dicts (``device, device_type|dtype, network, family, hour, events``) as a
    Parquet dataset in ``out`` (one part file per ``chunk`` rows); returns the row count."""
    pa, pq = _pyarrow()
    out.mkdir(parents=True, exist_ok=True)
    schema = _presence_schema()
    n, part, buf = 0, 0, []

    def flush() -> None:
        nonlocal part
        cols = {f.name: [r[f.name] for r in buf] for f in schema}
        pq.write_table(pa.table(cols, schema=schema), out / f"part-{part:05d}.parquet")
        part += 1
        buf.clear()

    for r in rows:
        buf.append(
            {
                "device": str(r["device"]),
                "device_type": r.get("device_type", r.get("dtype")),
                "network": str(r["network"]),
                "family": int(r.get("family") or 4),
                "hour": int(r["hour"]),
                "events": int(r.get("events") or 1),
            }
        )
        n += 1
        if len(buf) >= chunk:
            flush()
    if buf or part == 0:
        flush()
    return n


def write_presence_table(t: PresenceTable, out: Path, chunk: int = 5_000_000) -> int:
    """Write a :class:`PresenceTable` as a presence Parquet dataset (columnar, for big tables)."""
    pa, pq = _pyarrow()
    out.mkdir(parents=True, exist_ok=True)
    types = [*DEVICE_TYPES, None]
    dkeys = pa.array(t.device_keys.tolist(), pa.string())
    nkeys = pa.array(t.network_keys.tolist(), pa.string())
    dtype = pa.array([types[x] for x in t.device_type.tolist()], pa.string())
    for part, lo in enumerate(range(0, max(len(t.dev), 1), chunk)):
        dev, net = t.dev[lo : lo + chunk], t.net[lo : lo + chunk]
        table = pa.table(
            {
                "device": dkeys.take(pa.array(dev)),
                "device_type": dtype.take(pa.array(dev)),
                "network": nkeys.take(pa.array(net)),
                "family": pa.array(t.network_family[net].astype("int32")),
                "hour": pa.array(t.hour[lo : lo + chunk]),
                "events": pa.array(t.events[lo : lo + chunk].astype("int32")),
            },
            schema=_presence_schema(),
        )
        pq.write_table(table, out / f"part-{part:05d}.parquet")
    return len(t.dev)


def check_presence_dir(path: Path) -> None:
    """Fail fast, before Spark starts, on a local presence directory that is empty or has
    other columns (:class:`InputInvalid`); remote paths are checked by Spark's reader."""
    if not path.is_dir():
        raise InputInvalid(str(path), "no such directory")
    files = sorted(f for f in path.rglob("*.parquet") if not f.name.startswith((".", "_")))
    if not files:
        raise InputInvalid(str(path), "the presence table is empty (no Parquet files)")
    pa, pq = _pyarrow()
    try:
        schema = pq.read_schema(files[0])
    except (OSError, pa.ArrowException) as err:
        raise InputInvalid(str(files[0]), f"not a Parquet file ({err})") from err
    problems = schema_problems({f.name: str(f.type) for f in schema})
    if problems:
        raise InputInvalid(str(path), "schema mismatch: " + "; ".join(problems))
    if sum(pq.read_metadata(f).num_rows for f in files) == 0:
        raise InputInvalid(str(path), "the presence table is empty (0 rows)")


def check_memberships_dir(path: Path) -> None:
    """Fail fast on a household run's ``memberships/`` that is missing or lacks ``device`` and
    ``household_id`` (:class:`InputInvalid`)."""
    if not path.is_dir():
        raise InputInvalid(
            str(path.parent), "no memberships/ (run jobs run households --engine spark --output DIR first)"
        )
    files = sorted(f for f in path.rglob("*.parquet") if not f.name.startswith((".", "_")))
    if not files:
        raise InputInvalid(str(path), "the memberships are empty (no Parquet files)")
    pa, pq = _pyarrow()
    try:
        names = set(pq.read_schema(files[0]).names)
    except (OSError, pa.ArrowException) as err:
        raise InputInvalid(str(files[0]), f"not a Parquet file ({err})") from err
    missing = [c for c in ("device", "household_id") if c not in names]
    if missing:
        raise InputInvalid(str(path), f"schema mismatch: missing column {', '.join(missing)}")


def read_output(path: Path) -> dict[str, list[dict[str, Any]]]:
    """A Spark job's output directory as rows in the pure core's shape
    (:func:`graph.households.household_rows`): evidence and lists parsed back from JSON."""
    _, pq = _pyarrow()
    missing = [name for name in OUTPUT_TABLES if not (path / name).is_dir()]
    if missing:
        raise InputInvalid(str(path), f"not a household job output (no {', '.join(missing)}/)")
    out: dict[str, list[dict[str, Any]]] = {}
    for name in OUTPUT_TABLES:
        out[name] = pq.read_table(path / name).to_pylist()
    for m in out["memberships"]:
        m["evidence"] = json.loads(m["evidence"])
    for h in out["households"]:
        h["device_types"] = json.loads(h["device_types"])
        h["previous"] = json.loads(h["previous"])
    # the pure core's label order: whole components by smallest device, then split parts
    out["households"].sort(key=lambda h: (h.pop("split"), h.pop("component"), h.pop("cluster")))
    out["memberships"].sort(key=lambda m: m["device"])
    return out


def read_links(path: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(links in the pure core's shape, ``device -> household_id`` of the run) from the output
    directory of ``jobs run social --engine spark`` (``links/`` beside ``memberships/``)."""
    _, pq = _pyarrow()
    missing = [name for name in ("links", "memberships") if not (path / name).is_dir()]
    if missing:
        raise InputInvalid(str(path), f"not a social job output (no {', '.join(missing)}/)")
    links = pq.read_table(path / "links").to_pylist()
    for x in links:
        x["evidence"] = json.loads(x["evidence"])
    links.sort(key=lambda r: (r["household_a"], r["household_b"]))
    members = pq.read_table(path / "memberships", columns=["device", "household_id"]).to_pylist()
    return links, {m["device"]: m["household_id"] for m in members}
