"""The view-event and content contracts (``shared/contracts``) as code, used by ingest and generator.

Parsing is a pure function of the raw bytes and the processing clock: it returns a
:class:`ViewEvent` / :class:`ContentRecord` or raises :class:`~ingest.errors.InvalidRecord`
with a stable ``reason`` code that dead letters are counted by.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from graph.vocabulary import (
    CONTENT_KINDS,
    DAY_MS,
    DEVICE_TYPES,
    EVENT_TYPES,
    HOUR_MS,
    ContentKind,
    DeviceType,
    EventType,
)
from ingest.errors import InvalidRecord

__all__ = [
    "CONTENT_KINDS",
    "DAY_MS",
    "DEVICE_TYPES",
    "EVENT_TYPES",
    "HOUR_MS",
    "MAX_MESSAGE_BYTES",
    "REASONS",
    "ContentRecord",
    "ViewEvent",
    "normalize_ip",
    "normalize_mac",
    "parse_content",
    "parse_ts",
    "parse_view",
]

MAX_MESSAGE_BYTES = 64 * 1024
FUTURE_TOLERANCE_MS = 3_600_000
_NEEDS_CONTENT = frozenset({"view", "bookmark"})

#: Every reason code a record can be rejected with (dead letters are counted by these).
REASONS = (
    "too_large",
    "not_json",
    "not_object",
    "missing_field",
    "null_field",
    "wrong_type",
    "bad_ts",
    "ts_in_future",
    "bad_ip",
    "non_public_ip",
    "bad_mac",
    "reserved_mac",
    "bad_event",
    "missing_content_id",
    "bad_value",
)

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_MAC_FORMS = (
    re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$"),
    re.compile(r"^[0-9a-f]{2}(-[0-9a-f]{2}){5}$"),
    re.compile(r"^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$"),
    re.compile(r"^[0-9a-f]{12}$"),
)

Id128 = Annotated[StrictStr, Field(min_length=1, max_length=128)]


@dataclass(frozen=True, slots=True)
class ViewEvent:
    """A valid view event with its raw identifiers normalized (never stored as such).

    A plain value: :func:`parse_view` is the only way in and has validated every field.
    """

    ts_ms: int
    ip: str
    mac: str
    event: str = "view"
    content_id: str | None = None
    device_type: str | None = None
    duration_s: float | None = None
    ad_id: str | None = None
    campaign_id: str | None = None
    source: str | None = None
    event_id: str | None = None

    @property
    def ipv6(self) -> bool:
        return ":" in self.ip


class _Optional(BaseModel):
    """Schema of the optional fields; validated strictly, then copied into ViewEvent."""

    model_config = ConfigDict(extra="ignore", strict=True)

    event: EventType = "view"
    content_id: Id128 | None = None
    device_type: DeviceType | None = None
    duration_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] | Annotated[int, Field(ge=0)] | None = None
    ad_id: Id128 | None = None
    campaign_id: Id128 | None = None
    source: Annotated[StrictStr, Field(max_length=128)] | None = None
    event_id: Id128 | None = None


class ContentRecord(BaseModel):
    """A content catalog record (contract section 2)."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    content_id: Id128
    title: Annotated[StrictStr, Field(max_length=512)] | None = None
    kind: ContentKind | None = None
    series_id: Id128 | None = None
    genres: (
        Annotated[list[Annotated[StrictStr, Field(min_length=1, max_length=64)]], Field(max_length=32)] | None
    ) = None
    age_rating: Annotated[int, Field(ge=0, le=18)] | None = None


def parse_ts(value: Any, now_ms: int) -> int:
    """Epoch milliseconds of a contract timestamp.

    >>> parse_ts("2026-11-02T19:04:11Z", now_ms=2**62)
    1793646251000
    >>> parse_ts("2026-11-02T20:04:11+01:00", now_ms=2**62)
    1793646251000
    """
    if isinstance(value, bool):
        raise InvalidRecord("wrong_type", "ts must be an RFC 3339 string or integer epoch ms", "ts")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema counts 1.0 as an integer
    if isinstance(value, int):
        if value < 0:
            raise InvalidRecord("bad_ts", "ts epoch milliseconds must be >= 0", "ts")
        ms = value
    elif isinstance(value, str):
        if not _RFC3339.match(value):
            raise InvalidRecord("bad_ts", "ts is not RFC 3339 with an offset", "ts")
        try:
            ms = int(datetime.fromisoformat(value.upper().replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise InvalidRecord("bad_ts", "ts is not a real date and time", "ts") from None
    else:
        raise InvalidRecord("wrong_type", "ts must be an RFC 3339 string or integer epoch ms", "ts")
    if ms > now_ms + FUTURE_TOLERANCE_MS:
        raise InvalidRecord("ts_in_future", "ts is more than 1 hour ahead of the processing clock", "ts")
    return ms


def normalize_ip(value: Any) -> str:
    """The compressed text of a public IPv4/IPv6 address, or :class:`InvalidRecord`.

    >>> normalize_ip("2A02:8071:0::1")
    '2a02:8071::1'
    """
    if not isinstance(value, str):
        raise InvalidRecord("wrong_type", "ip must be a string", "ip")
    return _normalized_ip(value)


@lru_cache(maxsize=1 << 16)  # addresses repeat constantly; parsing, checking and formatting dominate
def _normalized_ip(value: str) -> str:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise InvalidRecord("bad_ip", "ip is not an IPv4 or IPv6 address", "ip") from None
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        raise InvalidRecord(
            "non_public_ip", "ip is private, loopback, link-local, multicast or unspecified", "ip"
        )
    return ip.compressed


def normalize_mac(value: Any) -> str:
    """Lowercase, colon-separated MAC, or :class:`InvalidRecord`.

    >>> normalize_mac("A45E.600F.129C")
    'a4:5e:60:0f:12:9c'
    """
    if not isinstance(value, str):
        raise InvalidRecord("wrong_type", "mac must be a string", "mac")
    return _normalize_mac_text(value)


@lru_cache(maxsize=1 << 16)
def _normalize_mac_text(value: str) -> str:
    low = value.lower()
    if not any(form.match(low) for form in _MAC_FORMS):
        raise InvalidRecord("bad_mac", "mac is not 48 bits in a known notation", "mac")
    hexdigits = re.sub(r"[^0-9a-f]", "", low)
    if hexdigits in ("000000000000", "ffffffffffff"):
        raise InvalidRecord("reserved_mac", "mac is all-zero or broadcast", "mac")
    return ":".join(hexdigits[i : i + 2] for i in range(0, 12, 2))


def _load_object(raw: bytes | str) -> dict[str, Any]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidRecord("too_large", f"message is larger than {MAX_MESSAGE_BYTES} bytes")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidRecord("not_json", "message is not valid UTF-8 JSON") from None
    if not isinstance(obj, dict):
        raise InvalidRecord("not_object", "message is JSON but not an object")
    return obj


_VIEW_OPTIONAL = (
    "event",
    "content_id",
    "device_type",
    "duration_s",
    "ad_id",
    "campaign_id",
    "source",
    "event_id",
)
_CONTENT_OPTIONAL = ("title", "kind", "series_id", "genres", "age_rating")


def _no_nulls(obj: dict[str, Any], names: tuple[str, ...]) -> None:
    """The schemas give optional fields a type without null: an explicit null is a wrong type."""
    for name in names:
        if name in obj and obj[name] is None:
            raise InvalidRecord("wrong_type", f"{name} is null; leave it out instead", name)


def _required(obj: dict[str, Any], name: str) -> Any:
    if name not in obj:
        raise InvalidRecord("missing_field", f"required field {name} is missing", name)
    if obj[name] is None:
        raise InvalidRecord("null_field", f"required field {name} is null", name)
    return obj[name]


def _from_validation_error(err: ValidationError) -> InvalidRecord:
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else None
    if field == "event" and first["type"] == "literal_error":
        return InvalidRecord("bad_event", "event is not one of " + ", ".join(EVENT_TYPES), field)
    if first["type"].endswith("_type") or first["type"] in ("literal_error",):
        kind = "wrong_type" if first["type"].endswith("_type") else "bad_value"
        return InvalidRecord(kind, f"{field}: {first['msg']}", field)
    if field == "content_id" and first["type"] == "missing":
        return InvalidRecord("missing_field", "content_id is missing", field)
    return InvalidRecord("bad_value", f"{field}: {first['msg']}", field)


def parse_view(raw: bytes | str, now_ms: int) -> ViewEvent:
    """Validate one view event exactly per contract section 1.

    Parameters
    ----------
    raw : bytes or str
        One Kafka message value or one JSON Lines line.
    now_ms : int
        The processing clock, epoch milliseconds (events more than 1 h ahead are invalid).

    Raises
    ------
    InvalidRecord
        With a ``reason`` from :data:`REASONS`.
    """
    obj = _load_object(raw)
    ts_ms = parse_ts(_required(obj, "ts"), now_ms)
    ip = normalize_ip(_required(obj, "ip"))
    mac = normalize_mac(_required(obj, "mac"))
    _no_nulls(obj, _VIEW_OPTIONAL)
    try:
        opt = _Optional.model_validate(obj)
    except ValidationError as err:
        raise _from_validation_error(err) from None
    if opt.content_id is None and opt.event in _NEEDS_CONTENT:
        raise InvalidRecord(
            "missing_content_id", f"content_id is required for {opt.event} events", "content_id"
        )
    return ViewEvent(
        ts_ms=ts_ms,
        ip=ip,
        mac=mac,
        event=opt.event,
        content_id=opt.content_id,
        device_type=opt.device_type,
        duration_s=float(opt.duration_s) if opt.duration_s is not None else None,
        ad_id=opt.ad_id,
        campaign_id=opt.campaign_id,
        source=opt.source,
        event_id=opt.event_id,
    )


def parse_content(raw: bytes | str) -> ContentRecord:
    """Validate one content catalog record (contract section 2)."""
    obj = _load_object(raw)
    _required(obj, "content_id")
    _no_nulls(obj, _CONTENT_OPTIONAL)
    try:
        return ContentRecord.model_validate(obj)
    except ValidationError as err:
        raise _from_validation_error(err) from None
