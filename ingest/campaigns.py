"""The campaign record contract (contract §5, ``campaign.schema.json``) as code.

:func:`parse_campaign` is a pure function of the raw bytes: it returns a :class:`CampaignRecord` or
raises :class:`~ingest.errors.InvalidRecord` with a stable ``reason`` (those of :data:`REASONS` plus
``bad_flight`` and ``bad_split``), like view events.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from graph.vocabulary import CostModel, DeviceType
from ingest.contract import Id128, _from_validation_error, _load_object, _no_nulls, _required, parse_ts
from ingest.errors import InvalidRecord

__all__ = [
    "CAMPAIGN_REASONS",
    "DEFAULT_CAP",
    "CampaignRecord",
    "FrequencyCap",
    "campaign_row",
    "campaign_rows",
    "parse_campaign",
]

#: reasons beyond the view events' own
CAMPAIGN_REASONS = ("bad_flight", "bad_split")
_SPLIT_TOLERANCE = 0.001
_OPTIONAL = (
    "advertiser", "name", "currency", "frequency_cap", "age_min", "avoid_contexts", "prefer_contexts",
    "device_split",
)  # fmt: skip

_Label = Annotated[StrictStr, Field(min_length=1, max_length=64)]
_Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | Annotated[int, Field(ge=0, le=1)]
_Money = Annotated[float, Field(ge=0, allow_inf_nan=False)] | Annotated[int, Field(ge=0)]


class FrequencyCap(BaseModel):
    """At most ``max`` impressions per ``per`` within any ``window_s`` seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    max: Annotated[int, Field(ge=1)]
    window_s: Annotated[int, Field(ge=1, le=2_592_000)]
    per: Literal["household", "device"] = "household"


#: the cap of a campaign that names none (issue: 3 per hour per household)
DEFAULT_CAP = FrequencyCap(max=3, window_s=3600)


class CampaignRecord(BaseModel):
    """A valid campaign record; ``start_ms``/``end_ms`` are the flight in epoch milliseconds."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    campaign_id: Id128
    advertiser: Annotated[StrictStr, Field(max_length=256)] | None = None
    name: Annotated[StrictStr, Field(max_length=512)] | None = None
    start_ms: int
    end_ms: int
    budget: _Money
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    cost_model: CostModel
    rate: _Money
    frequency_cap: FrequencyCap | None = None
    age_min: Annotated[int, Field(ge=0, le=18)] | None = None
    avoid_contexts: Annotated[list[_Label], Field(max_length=32)] = Field(default_factory=list)
    prefer_contexts: Annotated[list[_Label], Field(max_length=32)] = Field(default_factory=list)
    device_split: dict[DeviceType, _Share] | None = None

    @property
    def cap(self) -> FrequencyCap:
        """The campaign's cap, or :data:`DEFAULT_CAP`."""
        return self.frequency_cap or DEFAULT_CAP

    def spend(self, impressions: int, clicks: int, conversions: int) -> float:
        """Spend by the cost model (contract §5).

        >>> c = parse_campaign(b'{"campaign_id":"c","start":"2026-11-01T00:00:00Z",'
        ...                    b'"end":"2026-12-01T00:00:00Z","budget":1000,"cost_model":"cpm","rate":5}')
        >>> c.spend(200_000, 500, 25)
        1000.0
        """
        units = {"cpm": impressions / 1000, "cpc": clicks, "cpa": conversions}[self.cost_model]
        return float(units * self.rate)


def parse_campaign(raw: bytes | str) -> CampaignRecord:
    """Validate one campaign record (contract §5).

    >>> parse_campaign(b'{"campaign_id":"c","start":"2026-11-02T00:00:00Z","end":"2026-11-01T00:00:00Z",'
    ...                b'"budget":1,"cost_model":"cpc","rate":1}')
    Traceback (most recent call last):
    ...
    ingest.errors.InvalidRecord: bad_flight: end is not after start
    """
    obj = _load_object(raw)
    for name in ("campaign_id", "budget", "cost_model", "rate"):
        _required(obj, name)
    # the flight is RFC 3339 text only (no epoch numbers), and the far future is fine for a plan
    start, end = _required(obj, "start"), _required(obj, "end")
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, str):
            raise InvalidRecord("wrong_type", f"{name} must be an RFC 3339 string", name)
    start_ms, end_ms = parse_ts(start, now_ms=2**62), parse_ts(end, now_ms=2**62)
    if end_ms <= start_ms:
        raise InvalidRecord("bad_flight", "end is not after start", "end")
    _no_nulls(obj, _OPTIONAL)
    try:
        record = CampaignRecord.model_validate({**obj, "start_ms": start_ms, "end_ms": end_ms})
    except ValidationError as err:
        raise _from_validation_error(err) from None
    if record.device_split is not None:
        total = math.fsum(record.device_split.values())
        if abs(total - 1) > _SPLIT_TOLERANCE:
            raise InvalidRecord("bad_split", f"device_split shares sum to {total:.4f}, not 1", "device_split")
    return record


def campaign_row(record: CampaignRecord) -> dict[str, Any]:
    """The ``Campaign`` node's properties of a record: flat values and parallel lists only.

    >>> r = campaign_row(parse_campaign(b'{"campaign_id":"c","start":"2026-11-01T00:00:00Z",'
    ...     b'"end":"2026-11-02T00:00:00Z","budget":10,"cost_model":"cpc","rate":1,"device_split":{"tv":1}}'))
    >>> r["id"], r["cap_max"], r["cap_per"], r["split_types"], r["split_shares"]
    ('c', 3, 'household', ['tv'], [1.0])
    """
    split = record.device_split or {}
    cap = record.cap
    return {
        "id": record.campaign_id,
        "advertiser": record.advertiser,
        "name": record.name,
        "start": record.start_ms,
        "end": record.end_ms,
        "budget": float(record.budget),
        "currency": record.currency,
        "cost_model": record.cost_model,
        "rate": float(record.rate),
        "cap_max": cap.max,
        "cap_window_s": cap.window_s,
        "cap_per": cap.per,
        "cap_default": record.frequency_cap is None,
        "age_min": record.age_min,
        "avoid_contexts": list(record.avoid_contexts),
        "prefer_contexts": list(record.prefer_contexts),
        "split_types": sorted(split),
        "split_shares": [float(split[t]) for t in sorted(split)],
    }


def campaign_rows(records: list[CampaignRecord]) -> list[dict[str, Any]]:
    """One row per campaign id, the last record winning (a compacted topic's semantics), sorted by id."""
    latest = {r.campaign_id: r for r in records}
    return [campaign_row(latest[k]) for k in sorted(latest)]
