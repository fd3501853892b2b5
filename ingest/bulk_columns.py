"""Which builder row field becomes which CSV column of ``neo4j-admin database import`` (one table).

The bulk path writes the rows of the same pure builders the streaming write ``UNWIND``s
(:mod:`ingest.rows`, :mod:`ingest.daily`, :mod:`ingest.campaigns`); this module is the only place
that knows how a row maps onto a node or relationship file. When the streaming model changes
(a property renamed, an edge added), the matching line here changes with it.

A column is ``(property, type, field)``: the property name in the graph, the importer's type
(``string``, ``long``, ``double``, ``boolean`` or an array of those, ``long[]``), and the key of
the builder row that holds the value (``None`` in a row leaves the property out, as ``SET x.p =
null`` does). Node files carry an ``:ID`` column (not stored) in their own ID space; relationship
files carry ``:START_ID``/``:END_ID`` in the spaces of their end nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.errors import IngestError

__all__ = [
    "ARRAY_DELIMITER",
    "FILES",
    "Column",
    "DelimiterInValue",
    "GraphFile",
    "csv_row",
    "header",
]

#: between the elements of a list property (``--array-delimiter``); a list element holding it is refused
ARRAY_DELIMITER = "\x1f"


class DelimiterInValue(IngestError):
    """A list element contains :data:`ARRAY_DELIMITER`: the importer could not split it back."""

    def __init__(self, file: str, prop: str) -> None:
        self.file, self.prop = file, prop
        super().__init__(
            f"{file}.{prop}: a list element holds the control character U+001F; use streaming ingest"
        )


@dataclass(frozen=True)
class Column:
    prop: str
    type: str
    field: str


@dataclass(frozen=True)
class GraphFile:
    """One node label (``start`` set: a relationship type) and its columns."""

    name: str  # label or relationship type
    columns: tuple[Column, ...]
    id_field: str | None = None  # node files: the row key that identifies the node
    start: tuple[str, str] | None = None  # relationship files: (ID space, row key) of each end
    end: tuple[str, str] | None = None

    @property
    def is_node(self) -> bool:
        return self.start is None


def _cols(spec: str) -> tuple[Column, ...]:
    """``"prop:type=field prop2:type"`` (``=field`` defaults to the property name)."""
    out = []
    for item in spec.split():
        left, _, field = item.partition("=")
        prop, _, typ = left.partition(":")
        out.append(Column(prop, typ, field or prop))
    return tuple(out)


_COUNTS = "views:long impressions:long clicks:long searches:long conversions:long bookmarks:long"

#: every file of a bulk import, by name; the keys are also the file names
FILES: dict[str, GraphFile] = {
    "Device": GraphFile(
        "Device",
        _cols(
            "key:string=device type:string=dtype first_seen:long=first last_seen:long=last "
            "events:long ingested:long"
        ),
        id_field="device",
    ),
    "Network": GraphFile(
        "Network",
        _cols("key:string=network family:long first_seen:long=first last_seen:long=last"),
        id_field="network",
    ),
    "Content": GraphFile(
        "Content",
        _cols(
            "id:string=content_id title:string kind:string series_id:string genres:string[] "
            "age_rating:long described:boolean"
        ),
        id_field="content_id",
    ),
    "Campaign": GraphFile(
        "Campaign",
        _cols(
            "id:string advertiser:string name:string start:long end:long budget:double currency:string "
            "cost_model:string rate:double cap_max:long cap_window_s:long cap_per:string "
            "cap_default:boolean age_min:long avoid_contexts:string[] prefer_contexts:string[] "
            "split_types:string[] split_shares:double[] described:boolean updated:long"
        ),
        id_field="id",
    ),
    "DeviceDay": GraphFile(
        "DeviceDay",
        _cols(
            f"id:long device:string day:long {_COUNTS} seconds:double hour_events:long[] "
            "contents:string[] content_views:long[] content_seconds:double[] "
            "series_ids:string[] series_views:long[] series_seconds:double[] "
            "genres:string[] genre_seconds:double[] movie_seconds:double episode_seconds:double "
            "kids_seconds:double max_age:long"
        ),
        id_field="id",
    ),
    "SEEN_ON": GraphFile(
        "SEEN_ON",
        _cols("bucket:long day:long ids:long[] counts:long[] events:long first:long last:long"),
        start=("Device", "device"),
        end=("Network", "network"),
    ),
    "ACTIVE_ON": GraphFile("ACTIVE_ON", (), start=("Device", "device"), end=("DeviceDay", "id")),
    "EXPOSED_ON": GraphFile(
        "EXPOSED_ON",
        _cols(
            "key:long day:long source:string times:long[] kinds:string[] ads:string[] impressions:long "
            "clicks:long conversions:long duplicates:long first:long last:long"
        ),
        start=("Device", "device"),
        end=("Campaign", "campaign"),
    ),
}


def header(f: GraphFile) -> list[str]:
    """The header row of ``f``.

    >>> header(FILES["ACTIVE_ON"])
    [':START_ID(Device)', ':END_ID(DeviceDay)']
    >>> header(FILES["Network"])[:2]
    [':ID(Network)', 'key:string']
    """
    cols = [f"{c.prop}:{c.type}" for c in f.columns]
    if f.is_node:
        return [f":ID({f.name})", *cols]
    assert f.start is not None and f.end is not None
    return [f":START_ID({f.start[0]})", f":END_ID({f.end[0]})", *cols]


def _cell(f: GraphFile, c: Column, value: Any) -> str | None:
    if value is None:
        return None
    if c.type.endswith("[]"):
        if c.type == "string[]":
            if any(ARRAY_DELIMITER in v for v in value):
                raise DelimiterInValue(f.name, c.prop)
            return ARRAY_DELIMITER.join(value)
        if c.type == "boolean[]":
            return ARRAY_DELIMITER.join("true" if v else "false" for v in value)
        return ARRAY_DELIMITER.join(map(repr, value))
    if c.type == "boolean":
        return "true" if value else "false"
    if c.type == "double":
        return repr(float(value))
    return value if c.type == "string" else str(value)


def csv_row(f: GraphFile, row: dict[str, Any]) -> list[str | None]:
    """The cells of one builder ``row`` in ``f``'s column order (``None``: property left out).

    >>> csv_row(FILES["Network"], {"network": "n1", "family": 4, "first": 5, "last": 9})
    ['n1', 'n1', '4', '5', '9']
    >>> cells = csv_row(FILES["SEEN_ON"], {"device": "d", "network": "n", "bucket": 1, "day": 0,
    ...     "ids": [7, 8], "counts": [2] + [0] * 23, "events": 2, "first": 1, "last": 2})
    >>> cells[:4], cells[4].split(ARRAY_DELIMITER), cells[5].count(ARRAY_DELIMITER)
    (['d', 'n', '1', '0'], ['7', '8'], 23)
    """
    if f.is_node:
        assert f.id_field is not None
        lead: list[Any] = [str(row[f.id_field])]
    else:
        assert f.start is not None and f.end is not None
        lead = [str(row[f.start[1]]), str(row[f.end[1]])]
    return lead + [_cell(f, c, row.get(c.field)) for c in f.columns]
