"""Request and response models of the activation API (contract §7)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

__all__ = [
    "DecideRequest",
    "DecideResponse",
    "ErrorBody",
    "FollowUpItem",
    "FollowUpResponse",
    "HealthResponse",
    "HouseholdResponse",
]

_Id = Annotated[StrictStr, Field(min_length=1, max_length=128)]
_Key = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{32}$")]


class DecideRequest(BaseModel):
    """Name the device by ``mac`` (any notation of contract §1) or ``device_key`` (§3), not both."""

    model_config = ConfigDict(extra="forbid")

    mac: Annotated[StrictStr, Field(max_length=32)] | None = None
    device_key: _Key | None = None
    campaign_id: _Id
    ad_id: _Id
    ts: Annotated[StrictStr, Field(max_length=40)] | int | None = Field(
        None, description="RFC 3339 or epoch ms; default now"
    )
    reserve: bool = Field(True, description="hold an allowed impression against the cap until it is logged")

    @model_validator(mode="after")
    def _one_device(self) -> DecideRequest:
        if (self.mac is None) == (self.device_key is None):
            raise ValueError("give exactly one of mac or device_key")
        return self


class DecideResponse(BaseModel):
    decision: Literal["allow", "deny"]
    reasons: list[str]
    household_id: str | None = None
    impressions_in_window: int
    reserved: int
    cap: int
    cap_per: Literal["household", "device"]
    context: list[str]

    @classmethod
    def of(cls, d, household_id: str | None) -> DecideResponse:
        """The answer for a :class:`graph.activation.decide.Decision` (the route's and the fast path's)."""
        return cls(
            decision="allow" if d.allow else "deny",
            reasons=list(d.reasons),
            household_id=household_id,
            impressions_in_window=d.impressions_in_window,
            reserved=d.reserved,
            cap=d.cap,
            cap_per=d.cap_per,
            context=list(d.context.labels),
        )


class FollowUpItem(BaseModel):
    campaign_id: str
    ad_id: str
    device_type: str | None
    ts: int
    seconds_ago: float


class FollowUpResponse(BaseModel):
    household_id: str | None
    within_s: int
    ads: list[FollowUpItem]


class HouseholdResponse(BaseModel):
    household_id: str
    size: int
    device_mix: dict[str, int]
    persona_mix: dict[str, int]
    context: list[str]


class HealthResponse(BaseModel):
    status: Literal["ok", "rebuilding", "degraded"]
    ready: bool
    state_age_s: float | None = Field(description="seconds since the last event was applied")
    kafka_ok: bool | None
    kafka_lag: int | None
    neo4j_ok: bool | None
    device_map_age_s: float | None
    rebuild_s: float | None
    devices_in_state: int
    households: int
    campaigns: int


class ErrorBody(BaseModel):
    error: str
    field: str | None = None
    problem: str
