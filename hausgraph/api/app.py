"""The activation API's app factory: routes over an :class:`ActivationService` it is given."""

from __future__ import annotations

import hmac
import logging
import time

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hausgraph.api.latency import Timings
from hausgraph.api.models import (
    DecideRequest,
    DecideResponse,
    ErrorBody,
    FollowUpItem,
    FollowUpResponse,
    HealthResponse,
    HouseholdResponse,
)
from hausgraph.api.scaleout import Ownership, route_key
from hausgraph.api.service import ActivationService, UnknownCampaign
from ingest.contract import normalize_mac, parse_ts
from ingest.errors import InvalidRecord

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict] = {c: {"model": ErrorBody} for c in (401, 404, 422)}


class BadField(Exception):
    def __init__(
        self, field: str | None, problem: str, status: int = 422, error: str = "bad_request"
    ) -> None:
        self.field, self.problem, self.status, self.error = field, problem, status, error


class Elsewhere(Exception):
    """The household's state lives on another instance (scale-out): answered with a 307 to it."""

    def __init__(self, url: str) -> None:
        self.url = url


def _sent_by_newer(request: Request, run: int) -> bool:
    """Whether another instance sent this request here under a device map as new as ours or newer (its
    ``map_run``): then this instance answers, whatever its own map says. While a households run's map
    reaches the instances one after another, a request is redirected at most twice and never in a loop
    (each redirect goes to an instance with a newer map)."""
    given = request.query_params.get("map_run", "")
    try:
        return len(given) <= 20 and int(given) >= run
    except ValueError:  # not a number: a client's, not an instance's
        return False


def _err(status: int, error: str, field: str | None, problem: str) -> JSONResponse:
    return JSONResponse({"error": error, "field": field, "problem": problem}, status_code=status)


def create_app(
    service: ActivationService,
    tokens: list[str] | None = None,
    owner: Ownership | None = None,
    timings: Timings | None = None,
) -> FastAPI:
    """The API over ``service``; with ``tokens`` every ``/v1`` call needs a bearer token; ``timings``
    (:func:`hausgraph.api.latency.timed`) are served by ``/v1/latency``."""
    app = FastAPI(
        title="hausgraph activation",
        version="1",
        description="Household frequency capping, cross-device follow-up and live context (contract §7).",
    )
    secrets = [t.encode() for t in tokens or []]

    async def _auth(request: Request) -> None:
        given = request.headers.get("authorization", "")
        token = given[7:].encode() if given.lower().startswith("bearer ") else b""
        if not any(hmac.compare_digest(token, s) for s in secrets):
            raise BadField("authorization", "a valid bearer token is required", 401, "unauthorized")

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(_auth)] if secrets else [])

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # a bug answers 500 JSON and is logged; it never takes the service down
        log.error("request failed path=%s error=%s", request.url.path, type(exc).__name__, exc_info=exc)
        return _err(500, "internal", None, "internal error")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        return _err(422, "bad_request", ".".join(loc) or None, str(first.get("msg", "invalid")))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _err(exc.status_code, "http", None, str(exc.detail))

    @app.exception_handler(Elsewhere)
    async def _elsewhere(_: Request, exc: Elsewhere) -> JSONResponse:
        body = {
            "error": "other_instance",
            "field": None,
            "problem": "this household lives on another instance",
        }
        return JSONResponse(body, status_code=307, headers={"Location": exc.url})

    @app.exception_handler(BadField)
    async def _bad(_: Request, exc: BadField) -> JSONResponse:
        return _err(exc.status, exc.error, exc.field, exc.problem)

    def _device(mac: str | None, device_key: str | None, request: Request | None = None) -> str:
        if mac is not None:
            try:
                mac = normalize_mac(mac)
            except InvalidRecord as err:
                raise BadField("mac", err.detail) from None
        device = service.device_key(mac, device_key)
        if owner is not None and owner.peers and request is not None:
            m = service.devices
            at = owner.owner(route_key(device, m.household_of.get(device)))
            run = -1 if m.run_ms is None else m.run_ms
            if at != owner.index and not _sent_by_newer(request, run):
                url = request.url.include_query_params(map_run=run)
                raise Elsewhere(owner.peers[at] + url.path + "?" + url.query)
        return device

    def _ts(value: str | int | None) -> int | None:
        if value is None:
            return None
        try:
            ts = parse_ts(value, service.now_ms())
        except InvalidRecord as err:
            raise BadField("ts", err.detail) from None
        if ts < service.earliest_ts():
            raise BadField(
                "ts", f"ts is more than {service.past_ms // 1000} s in the past (HAUSGRAPH_ACTIVATION_PAST_S)"
            )
        return ts

    @v1.post("/decide", response_model=DecideResponse, responses=_ERRORS, tags=["activation"])
    async def decide(req: DecideRequest, request: Request) -> DecideResponse:
        """Allow or deny one impression; reasons are stable codes (contract §7)."""
        device = _device(req.mac, req.device_key, request)
        try:
            d = service.decide(device, req.campaign_id, _ts(req.ts), req.reserve)
        except UnknownCampaign as err:
            raise BadField("campaign_id", str(err), 404, "unknown_campaign") from None
        return DecideResponse.of(d, service.household_of(device))

    @v1.get("/follow-up", response_model=FollowUpResponse, responses=_ERRORS, tags=["activation"])
    async def follow_up(
        request: Request,
        mac: str | None = Query(None, max_length=32),
        device_key: str | None = Query(None, pattern=r"^[0-9a-f]{32}$"),
        within_s: int = Query(300, ge=1, le=86_400),
        ts: str | None = Query(None, max_length=40, description="RFC 3339 or epoch ms; default now"),
    ) -> FollowUpResponse:
        """Ads the household's other devices saw in the last ``within_s`` seconds, newest first."""
        if (mac is None) == (device_key is None):
            raise BadField("mac", "give exactly one of mac or device_key")
        device = _device(mac, device_key, request)
        when = _ts(int(ts) if ts is not None and ts.isdigit() else ts)
        now = when if when is not None else service.now_ms()
        items = service.follow_up(device, within_s, when)
        return FollowUpResponse(
            household_id=service.household_of(device),
            within_s=within_s,
            ads=[FollowUpItem(**f.__dict__, seconds_ago=(now - f.ts) / 1000) for f in items],
        )

    @v1.get("/households/{device_key}", response_model=HouseholdResponse, responses=_ERRORS)
    async def household(device_key: str, request: Request) -> HouseholdResponse:
        """The device's household: id, size, device and persona mix, live context (no device keys)."""
        if len(device_key) != 32 or any(c not in "0123456789abcdef" for c in device_key):
            raise BadField("device_key", "device_key is 32 lowercase hex characters (contract §3)")
        _device(None, device_key, request)
        found = service.household(device_key)
        if found is None:
            raise BadField("device_key", "no household for this device", 404, "unknown_device")
        return HouseholdResponse(**found)

    @v1.get("/stats", tags=["operations"])
    async def stats() -> dict:
        """Counters for the app's Activation page."""
        return service.snapshot_stats()

    @v1.get("/latency", tags=["operations"])
    async def latency(reset: bool = False) -> dict:
        """The server's share of request time: recent ``/v1/decide`` durations inside the app and the
        event loop's lag (a process waiting for a core); ``reset`` starts a new sample."""
        return timings.report(reset) if timings is not None else {}

    @app.get("/health", response_model=HealthResponse, tags=["operations"])
    async def health() -> HealthResponse:
        """Readiness, state age and Kafka lag; decisions continue on current state when a feed is down."""
        f, now = service.feed, time.time()
        snap = service.snapshot_stats()
        ok = f["kafka_ok"] is not False and f["neo4j_ok"] is not False
        return HealthResponse(
            status=("ok" if ok else "degraded") if f["ready"] else "rebuilding",
            ready=bool(f["ready"]),
            state_age_s=round(now - f["last_event_at"], 3) if f["last_event_at"] else None,
            kafka_ok=f["kafka_ok"],
            kafka_lag=f["kafka_lag"],
            neo4j_ok=f["neo4j_ok"],
            device_map_age_s=round(now - f["device_map_at"], 3) if f["device_map_at"] else None,
            rebuild_s=f["rebuild_s"],
            devices_in_state=snap["devices_in_state"],
            households=snap["households"],
            campaigns=snap["campaigns"],
        )

    app.include_router(v1)
    return app
