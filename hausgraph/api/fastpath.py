"""``POST /v1/decide`` answered beside FastAPI's routing when the request is plainly valid.

An ad server asks ``/v1/decide`` before every impression, so its CPU per request sets how many requests a
core takes before they queue. FastAPI's stack around the route (middlewares, routing, dependency solving,
response-model checks) costs several times what the decision itself does. This ASGI wrapper takes the
plain case — a JSON body that :class:`~hausgraph.api.models.DecideRequest` accepts, a valid token when
tokens are set, a device this instance owns, a known campaign, no ``ts`` — and answers it with the same
models; everything else (errors, redirects to the owner, a past ``ts``) goes to the FastAPI app unchanged,
with the body replayed, so every error and the OpenAPI description come from one place.
"""

from __future__ import annotations

import hmac
import logging

import orjson
from pydantic import ValidationError

from hausgraph.api.models import DecideRequest, DecideResponse
from hausgraph.api.scaleout import Ownership, route_key
from hausgraph.api.service import ActivationService, UnknownCampaign
from ingest.contract import normalize_mac
from ingest.errors import InvalidRecord

__all__ = ["fast_decide"]

log = logging.getLogger(__name__)

_PATH = "/v1/decide"
_HEADERS = [(b"content-type", b"application/json")]
_INTERNAL = orjson.dumps({"error": "internal", "field": None, "problem": "internal error"})


class _Fallback(Exception):
    """Not the plain case: the FastAPI app answers."""


def fast_decide(app, service: ActivationService, tokens: list[str] | None, owner: Ownership | None):
    """``app`` with plain ``POST /v1/decide`` requests answered directly (same models, same decisions)."""
    secrets = [t.encode() for t in tokens or []]
    peers = owner is not None and bool(owner.peers)

    def _decide(headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        auth, kind = b"", b""
        for name, value in headers:
            if name == b"content-type":
                kind = value.split(b";", 1)[0].strip().lower()
            elif name == b"authorization":
                auth = value
        if kind != b"application/json":
            raise _Fallback
        if secrets:
            token = auth[7:] if auth[:7].lower() == b"bearer " else b""
            if not any(hmac.compare_digest(token, s) for s in secrets):
                raise _Fallback
        try:
            req = DecideRequest.model_validate(orjson.loads(body))
            mac = normalize_mac(req.mac) if req.mac is not None else None
        except (orjson.JSONDecodeError, ValidationError, InvalidRecord, TypeError, ValueError):
            raise _Fallback from None
        if req.ts is not None:
            raise _Fallback
        device = service.device_key(mac, req.device_key)
        if peers and owner.owner(route_key(device, service.household_of(device))) != owner.index:
            raise _Fallback
        try:
            d = service.decide(device, req.campaign_id, None, req.reserve)
        except UnknownCampaign:
            raise _Fallback from None
        return DecideResponse.of(d, service.household_of(device)).model_dump_json().encode()

    async def wrapped(scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] != _PATH or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        chunks, message = [], {"more_body": True}
        while message.get("more_body"):
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
        body = b"".join(chunks)
        try:
            out, status = _decide(scope["headers"], body), 200
        except _Fallback:
            await app(scope, _replay(body, receive), send)
            return
        except Exception as err:
            log.error("request failed path=%s error=%s", _PATH, type(err).__name__, exc_info=err)
            out, status = _INTERNAL, 500
        headers = [*_HEADERS, (b"content-length", str(len(out)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": out})

    return wrapped


def _replay(body: bytes, receive):
    """A ``receive`` that hands the already-read body over first, then the connection's own messages."""
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
