"""Two instances, and households runs between them: whichever instance is asked, the owner counts every
exposure of the household's current devices (as one instance does), also while the instances hold
different device maps. The real router, service and ownership code over an in-memory exposures topic."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import orjson
import pytest
from kafka import TopicPartition

from generator.campaigns import valid_campaign_records
from generator.params import WorldParams
from hausgraph.api.scaleout import ExposureRouter, Ownership, RoutingFailed, partition_of, route_key
from hausgraph.api.service import ActivationService, DeviceMap
from ingest.campaigns import parse_campaign
from ingest.pseudonym import Pseudonymizer

NOW = 1_700_000_000_000
PARTS = 8
CAMPAIGN = "cmp-05"  # daily cap of 4 per household


class _Future:
    def __init__(self, ok: bool) -> None:
        self.ok = ok
        self.exception = None if ok else RuntimeError("broker gave up")

    def failed(self) -> bool:
        return not self.ok


class _Topic:
    """The exposures topic: records per partition; ``fail`` makes the brokers refuse every send."""

    def __init__(self) -> None:
        self.parts: dict[int, list[bytes]] = {p: [] for p in range(PARTS)}
        self.fail = False

    def send(self, topic, value, key, partition, timestamp_ms):
        assert partition == partition_of(key.decode(), PARTS)
        if not self.fail:
            self.parts[partition].append(value)
        return _Future(not self.fail)

    def flush(self) -> None:
        pass


class _Instance:
    """Router + service + feed of instance ``i`` of 2, over ``topic``."""

    def __init__(self, i: int, topic: _Topic) -> None:
        self.own = Ownership(i, 2, PARTS)
        self.svc = ActivationService(Pseudonymizer("k"), clock=lambda: NOW / 1000)
        for r in valid_campaign_records(WorldParams(households=2, days=3)):
            self.svc.put_campaign(parse_campaign(orjson.dumps({**r, "start": "2020-01-01T00:00:00Z"})))
        self.svc.holds = self.own.holds
        self.router = ExposureRouter(self.svc, "127.0.0.1:1", "g", "views", "exposures", PARTS, (i, 2))
        self.router._producer = topic
        self.topic = topic
        self.read = dict.fromkeys(self.own.owned(), 0)

    def load(self, m: DeviceMap) -> None:
        self.svc.put_devices(m)
        self.svc.feed["device_map_at"] = NOW / 1000

    def route(self, views: list[bytes]) -> None:
        msgs = [SimpleNamespace(value=v, offset=n) for n, v in enumerate(views)]
        self.router._flush(self.router._route({TopicPartition("views", 0): msgs}, self.topic))

    def feed(self) -> None:
        for p, n in self.read.items():
            recs = self.topic.parts[p][n:]
            self.read[p] += len(recs)
            self.svc.apply_records([orjson.loads(v) for v in recs])

    def count(self, device: str) -> int:
        return self.svc.decide(device, CAMPAIGN, NOW, reserve=False).impressions_in_window


def _mac(i: int) -> str:
    return f"02:00:00:00:{i // 256:02x}:{i % 256:02x}"


def _impression(mac: str, n: int) -> bytes:
    return orjson.dumps(
        {"ts": NOW - 3_600_000 + n * 60_000, "ip": "81.2.69.160", "mac": mac, "event": "impression",
         "campaign_id": CAMPAIGN, "ad_id": "ad-5", "event_id": f"{mac}-{n}"}
    )  # fmt: skip


def _world():
    """A phone whose own key and whose household's key have different owners, and a TV in it."""
    pseudo = Pseudonymizer("k")
    own0 = Ownership(0, 2, PARTS)
    for i, h in itertools.product(range(200), range(50)):
        phone, tv, hh = _mac(i), _mac(1000 + i), f"hh-{h}"
        p, t = pseudo.mac(phone), pseudo.mac(tv)
        if own0.holds(p, hh) and not own0.holds(p, None) and own0.holds(t, hh):
            return phone, tv, p, t, hh
    raise AssertionError("no such world")


def _maps(p: str, t: str, hh: str) -> tuple[DeviceMap, DeviceMap]:
    placed = DeviceMap.from_rows(
        [{"device_key": p, "household_id": hh}, {"device_key": t, "household_id": hh}], 1
    )
    unplaced = DeviceMap.from_rows([{"device_key": t, "household_id": hh}], 2)
    return placed, unplaced


@pytest.mark.parametrize("direction", ["unplaced", "placed"])
def test_a_households_run_that_moves_a_device_moves_its_exposures_to_the_new_owner(direction):
    phone, tv, p, t, hh = _world()
    placed, unplaced = _maps(p, t, hh)
    before, after = (placed, unplaced) if direction == "unplaced" else (unplaced, placed)
    topic = _Topic()
    a, b = _Instance(0, topic), _Instance(1, topic)
    for x in (a, b):
        x.load(before)
    a.route([_impression(phone, 0), _impression(tv, 1)])
    b.route([_impression(phone, 2)])
    for x in (a, b):
        x.feed()
    owner = {0: a, 1: b}
    if direction == "unplaced":
        assert owner[a.own.owner(hh)].count(p) == 3  # the phone's 2 and the TV's 1, one household
    else:
        assert owner[a.own.owner(route_key(p, None))].count(p) == 2
    # the households run: instance a has the new map, b not yet (and routes the phone under the old key)
    a.load(after)
    a.router._hand_over()
    b.route([_impression(phone, 3)])
    a.feed(), b.feed()
    b.load(after)
    for _ in range(2):  # hand over, forward what was set aside, and read it
        a.router._hand_over(), b.router._hand_over()
        a.feed(), b.feed()
    if direction == "unplaced":
        assert owner[a.own.owner(route_key(p, None))].count(p) == 3  # every impression of the phone
        assert owner[a.own.owner(hh)].count(t) == 1  # the household is the TV alone now
    else:
        assert owner[a.own.owner(hh)].count(p) == 4  # the phone's 3 and the TV's 1
    # nothing stays with an instance that no longer holds the device, and nothing is left to forward
    for x in (a, b):
        assert not x.svc.outbox
        assert all(x.own.holds(d, after.household_of.get(d)) for d in x.svc.state.devices)


def test_a_record_the_brokers_refuse_is_not_committed_and_a_forward_is_kept():
    phone, _, p, t, hh = _world()
    placed, unplaced = _maps(p, t, hh)
    topic = _Topic()
    a = _Instance(0, topic)
    a.load(placed)
    topic.fail = True
    with pytest.raises(RoutingFailed):
        a.route([_impression(phone, 0)])
    topic.fail = False
    a.route([_impression(phone, 0)])
    a.feed()
    a.load(unplaced)  # the phone goes to the other instance: its state is handed over
    topic.fail = True
    with pytest.raises(RoutingFailed):
        a.router._hand_over()
    assert len(a.svc.outbox) == 1  # kept for the next try, not lost
    topic.fail = False
    a.router._hand_over()
    assert not a.svc.outbox
    moved = [orjson.loads(v) for v in topic.parts[partition_of(route_key(p, None), PARTS)]]
    assert [(r["d"], r["e"], r["h"]) for r in moved] == [(p, "impression", 1)]


def test_a_record_two_instances_keep_sending_each_other_stays_after_max_hops():
    from hausgraph.api.service import MAX_HOPS

    _, _, p, _, _ = _world()
    a = _Instance(0, _Topic())
    a.load(DeviceMap.from_rows([], 3))  # a thinks the phone is alone, so held by the other instance
    rec = {"d": p, "t": NOW - 1000, "e": "impression", "c": CAMPAIGN, "a": "x", "x": 1}
    a.svc.apply_records([rec, {**rec, "x": 2, "t": NOW - 900_000, "h": MAX_HOPS}])
    assert len(a.svc.outbox) == 1 and a.svc.state.count(p, CAMPAIGN, 0, NOW) == 1


def _follow(apps: dict[str, object], url: str, body: dict, hops: int = 4) -> tuple[int, list[str]]:
    """POST ``body`` and follow 307s across ``apps`` (by origin) like an ad server; the instances seen."""
    import asyncio

    import httpx

    async def go():
        seen, at = [], url
        for _ in range(hops):
            origin = at.split("/v1")[0]
            seen.append(origin)
            transport = httpx.ASGITransport(app=apps[origin])
            async with httpx.AsyncClient(transport=transport, base_url=origin) as c:
                r = await c.post(at[len(origin) :], json=body)
            if r.status_code != 307:
                return r.status_code, seen
            at = r.headers["location"]
        return 307, seen

    return asyncio.run(go())


def test_instances_on_different_maps_redirect_at_most_twice_and_never_in_a_loop():
    from hausgraph.api.app import create_app

    _, _, p, t, hh = _world()
    placed, unplaced = _maps(p, t, hh)  # run 1: the phone in hh (instance 0), run 2: alone (instance 1)
    urls = ("http://i0:1", "http://i1:1")
    insts = [_Instance(i, _Topic()) for i in range(2)]
    apps = {}
    for i, x in enumerate(insts):
        own = Ownership(i, 2, PARTS, urls)
        apps[urls[i]] = create_app(x.svc, owner=own)
    body = {"device_key": p, "campaign_id": CAMPAIGN, "ad_id": "a", "reserve": False}
    for m0, m1 in itertools.product((placed, unplaced), repeat=2):
        insts[0].load(m0)
        insts[1].load(m1)
        newest = m0 if m0.run_ms >= m1.run_ms else m1
        owner = urls[Ownership(0, 2, PARTS).owner(route_key(p, newest.household_of.get(p)))]
        for start, mine in zip(urls, (m0, m1)):
            status, seen = _follow(apps, f"{start}/v1/decide", body)
            assert status == 200 and len(seen) <= 3, (m0.run_ms, m1.run_ms, start, seen)
            # the owner under the newest map answers, whichever instance was asked; only an instance that
            # has not loaded the newest map yet and holds the device under its own answers at once
            stale = mine is not newest and insts[urls.index(start)].own.holds(p, mine.household_of.get(p))
            assert seen[-1] == owner or (stale and seen == [start]), (m0.run_ms, m1.run_ms, start, seen)


def test_a_map_run_that_is_not_an_instances_is_ignored():
    from starlette.requests import Request

    from hausgraph.api.app import _sent_by_newer

    def given(q: bytes) -> bool:
        return _sent_by_newer(Request({"type": "http", "query_string": q, "headers": []}), 3)

    assert given(b"map_run=3") and given(b"map_run=7")
    for q in (b"map_run=2", b"map_run=--5", b"map_run=%C2%B2", b"map_run=" + b"9" * 30, b"", b"map_run=x"):
        assert not given(q), q
