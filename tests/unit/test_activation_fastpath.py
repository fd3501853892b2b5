"""``POST /v1/decide``'s fast path answers exactly like the FastAPI route, and leaves it everything else."""

from __future__ import annotations

import asyncio
import random

import httpx
import orjson

from generator.campaigns import valid_campaign_records
from generator.params import WorldParams
from hausgraph.api.app import create_app
from hausgraph.api.fastpath import fast_decide
from hausgraph.api.service import ActivationService, DeviceMap
from ingest.campaigns import parse_campaign
from ingest.pseudonym import Pseudonymizer

NOW_S = 1_700_000_000.0
MACS = [f"00:11:22:33:44:{i:02x}" for i in range(6)]


def _service() -> ActivationService:
    svc = ActivationService(Pseudonymizer("k"), clock=lambda: NOW_S)
    for r in valid_campaign_records(WorldParams(households=2, days=3)):
        svc.put_campaign(parse_campaign(orjson.dumps({**r, "start": "2020-01-01T00:00:00Z"})))
    keys = [svc.pseudo.mac(m) for m in MACS]
    rows = [{"device_key": k, "household_id": f"h{i % 2}"} for i, k in enumerate(keys[:4])]
    svc.put_devices(DeviceMap.from_rows(rows, run_ms=1))
    now = int(NOW_S * 1000)
    for i in range(40):
        svc.state.add_impression(keys[i % 6], now - i * 60_000, f"cmp-{i % 4:02d}", "ad", i, now)
    return svc


def _bodies(svc: ActivationService) -> list[tuple[bytes, dict]]:
    rng = random.Random(4)
    out = []
    for _ in range(60):
        who = (
            {"mac": rng.choice(MACS).upper()}
            if rng.random() < 0.5
            else {"device_key": svc.pseudo.mac(MACS[1])}
        )
        body = {
            **who,
            "campaign_id": f"cmp-{rng.randrange(6):02d}",
            "ad_id": "ad",
            "reserve": rng.random() < 0.5,
        }
        out.append((orjson.dumps(body), {"content-type": "application/json"}))
    bad = [
        b'{"mac": "zz", "campaign_id": "cmp-01", "ad_id": "a"}',
        b'{"mac": "00:11:22:33:44:00", "campaign_id": "none", "ad_id": "a"}',
        b'{"mac": "00:11:22:33:44:00", "device_key": "0" , "campaign_id": "cmp-01", "ad_id": "a"}',
        b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a", "x": 1}',
        b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a", "ts": "2023-11-14T22:10:00Z"}',
        b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a", "reserve": "maybe"}',
        b'{"mac": 5, "campaign_id": "cmp-01", "ad_id": "a"}',
        b"[1, 2]",
        b"not json",
        b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a", "ad_id": 7}',
        b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a", "ts": NaN}',
        b"",
    ]
    out += [(b, {"content-type": "application/json"}) for b in bad]
    plain = b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a", "reserve": false}'
    out += [(plain, {"content-type": "text/plain"}), (plain, {})]
    return out


async def _answers(app, bodies, headers=None) -> list[tuple[int, bytes]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        out = []
        for body, h in bodies:
            r = await c.post("/v1/decide", content=body, headers={**h, **(headers or {})})
            out.append((r.status_code, r.content))
        return out


class _Counting:
    def __init__(self, app) -> None:
        self.app, self.calls = app, 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await self.app(scope, receive, send)


def test_the_fast_path_answers_byte_for_byte_like_the_route_and_hands_it_every_other_case():
    plain, fast = _service(), _service()
    bodies = _bodies(plain)
    want = asyncio.run(_answers(create_app(plain), bodies))
    inner = _Counting(create_app(fast))
    got = asyncio.run(_answers(fast_decide(inner, fast, None, None), bodies))
    assert got == want
    assert {s for s, _ in want} == {200, 404, 422}
    assert sum(s == 200 and b"decision" in b for s, b in want) >= 50
    # the 60 plain requests never reached the route; the 14 others all did
    assert inner.calls == len(bodies) - 60
    # reservations were taken alike: the same state afterwards
    assert plain.snapshot_stats()["decisions"] == fast.snapshot_stats()["decisions"]


def test_with_tokens_the_fast_path_answers_only_a_valid_token_and_the_route_refuses_the_rest():
    svc = _service()
    body = [
        (
            b'{"mac": "00:11:22:33:44:00", "campaign_id": "cmp-01", "ad_id": "a"}',
            {"content-type": "application/json"},
        )
    ]
    inner = _Counting(create_app(svc, ["t1"]))
    app = fast_decide(inner, svc, ["t1"], None)
    assert asyncio.run(_answers(app, body, {"authorization": "Bearer t1"}))[0][0] == 200
    assert inner.calls == 0
    for bad in ({"authorization": "Bearer t2"}, {}, {"authorization": "t1"}):
        status, text = asyncio.run(_answers(app, body, bad))[0]
        assert status == 401 and orjson.loads(text)["field"] == "authorization"
    assert inner.calls == 3
