"""The columnar activation state answers exactly like a plain per-object model of the same rules.

The model is the layout the state had before it was made compact (one tuple per exposure and view in
per-campaign lists): random streams with duplicate ids, re-sent copies, late originals, reservations and
prunes go into both, and every question must get the same answer.
"""

from __future__ import annotations

import bisect
import random
import threading
import tracemalloc

import pytest

from graph.activation import RESEND_MS, ActivationState

CAMPAIGNS = ("a", "b", "c")


class _Model:
    """Exposures as (ts, campaign, ad, eid) tuples per (device, campaign), views as tuples per device."""

    def __init__(self, retain_ms: int, views_ms: int) -> None:
        self.retain_ms, self.views_ms = retain_ms, views_ms
        self.exp: dict[tuple[str, str], list[tuple]] = {}
        self.views: dict[str, list[tuple]] = {}
        self.held: dict[tuple[str, str], list[int]] = {}

    def add_impression(self, d, ts, c, ad, eid, now) -> bool:
        if ts <= now - self.retain_ms:
            return False
        for (dd, _), rows in self.exp.items():  # a new row drops the device's rows a prune would drop
            if dd == d:
                rows[:] = [e for e in rows if e[0] > now - self.retain_ms]
        seen = self.exp.setdefault((d, c), [])
        for i, e in enumerate(seen):
            if ts - RESEND_MS <= e[0] <= ts + RESEND_MS and (e[3] == eid or e[2] == ad):
                if e[2] == ad and e[3] != eid and ts < e[0]:
                    del seen[i]
                    bisect.insort(seen, (ts, c, ad, eid), key=lambda r: r[0])
                return False
        if any(e[3] == eid for e in seen):
            return False
        bisect.insort(seen, (ts, c, ad, eid), key=lambda r: r[0])
        if self.held.get((d, c)):
            self.held[(d, c)].pop(0)
        return True

    def add_view(self, d, ts, content, s, now) -> bool:
        if ts <= now - self.views_ms:
            return False
        self.views[d] = [v for v in self.views.get(d, []) if v[0] > now - self.views_ms]
        bisect.insort(self.views.setdefault(d, []), (ts, content, s), key=lambda r: r[0])
        return True

    def count(self, d, c, since, until) -> int:
        return sum(1 for e in self.exp.get((d, c), []) if since < e[0] <= until)

    def reserved(self, d, c, now) -> int:
        return sum(1 for t in self.held.get((d, c), []) if t > now)

    def exposures(self, d, since, until) -> list[tuple]:
        return sorted(
            (e[0], e[1], e[2], e[3]) for (dd, _), seen in self.exp.items() if dd == d for e in seen
            if since < e[0] <= until
        )  # fmt: skip

    def views_of(self, devices, since, until) -> list[tuple]:
        return [v for d in devices for v in self.views.get(d, []) if since < v[0] <= until]

    def prune(self, now) -> None:
        for key in self.exp:
            self.exp[key] = [e for e in self.exp[key] if e[0] > now - self.retain_ms]
        for key in self.views:
            self.views[key] = [v for v in self.views[key] if v[0] > now - self.views_ms]
        for key in self.held:
            self.held[key] = [t for t in self.held[key] if t > now]


@pytest.mark.parametrize("seed", range(30))
def test_columnar_state_answers_like_the_per_object_model(seed):
    rng = random.Random(seed)
    retain, views_ms = rng.choice([20_000, 60_000]), 7_300_000
    state, model = ActivationState(retain, views_ms), _Model(retain, max(views_ms, 7_200_000))
    devices = [f"d{i}" for i in range(4)]
    now, eids = 10_000_000, list(range(6))
    for _ in range(rng.randint(50, 400)):
        now += rng.randint(0, 6) * 250  # coarse times: many exact ties
        op = rng.random()
        d, c = rng.choice(devices), rng.choice(CAMPAIGNS)
        if op < 0.55:
            # late, early, re-sent (same ad within 2 s) and repeated ids, also across campaigns
            ts = now - rng.choice([0, rng.randint(0, 16) * 250, rng.randint(0, retain + 5_000)])
            ad, eid = f"ad-{rng.randrange(2)}", rng.choice(eids + [rng.randrange(-(2**63), 2**63)])
            assert state.add_impression(d, ts, c, ad, eid, now) == model.add_impression(
                d, ts, c, ad, eid, now
            )
        elif op < 0.8:
            ts, s = now - rng.randint(0, 8_000_000), rng.choice([0.0, 1.5, rng.uniform(0, 3000), 1e-9])
            content = f"k{rng.randrange(5)}"
            assert state.add_view(d, ts, content, s, now) == model.add_view(d, ts, content, s, now)
        elif op < 0.9:
            exp = now + rng.randint(-1_000, 30_000)
            state.reserve(d, c, exp)
            bisect.insort(model.held.setdefault((d, c), []), exp)
        elif op < 0.95:
            state.prune(now)
            model.prune(now)
        since = now - rng.randint(0, retain + 10_000)
        assert state.count(d, c, since, now) == model.count(d, c, since, now)
        assert state.reserved(d, c, now) == model.reserved(d, c, now)
        got = sorted(tuple(e) for e in state.exposures_since(d, since, now))
        assert got == model.exposures(d, since, now)
        vsince = now - rng.randint(0, views_ms)
        got_views = [tuple(v) for v in state.views_since(devices, vsince, now)]
        assert got_views == model.views_of(devices, vsince, now)


def test_a_bad_value_leaves_no_half_row_behind():
    s = ActivationState(retain_ms=10_000)
    assert s.add_view("d", 1_000, "k", 2.0, now_ms=1_000)
    with pytest.raises(TypeError):
        s.add_view("d", 2_000, "k", None, now_ms=2_000)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        s.add_impression("d", 2_000, "c", "a", eid=2**64, now_ms=2_000)
    assert s.add_impression("d", 2_000, "c", "a", eid=5, now_ms=2_000)
    assert [v.ts for v in s.views_since(["d"], 0, 3_000)] == [1_000]
    assert [e.eid for e in s.exposures_since("d", 0, 3_000)] == [5]


def test_an_exposure_costs_tens_of_bytes_not_an_object():
    """The point of the layout: 10,000 exposures on 100 devices take < 60 bytes each, all in."""
    s = ActivationState(retain_ms=86_400_000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(10_000):
            s.add_impression(
                f"{i % 100:032x}", 1_000 + i * 10, f"cmp-{i % 30:02d}", f"ad-{i % 90}", i, 200_000
            )
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert used / 10_000 < 60, used / 10_000


class _CountingLock:
    def __init__(self) -> None:
        self.holds = 0
        self.inner = threading.Lock()

    def __enter__(self):
        self.holds += 1
        return self.inner.__enter__()

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)


def test_the_service_sweeps_in_slices_so_a_request_never_waits_for_a_whole_sweep():
    from hausgraph.api.service import ActivationService
    from ingest.pseudonym import Pseudonymizer

    now = [1_000_000.0]
    svc = ActivationService(Pseudonymizer("k"), clock=lambda: now[0])
    for i in range(1_200):
        svc.state.add_impression(f"{i:032x}", 999_000_000, "c", "a", i, 1_000_000_000)
    svc.lock = lock = _CountingLock()
    now[0] += 2 * 86_400  # everything fell out of the window
    assert svc.prune(slice_=500) == 1_200 and not svc.state.devices
    assert lock.holds == 1 + 3  # the key list, then 500 + 500 + 200 devices


def test_the_exposure_router_waits_for_the_device_map_before_it_routes():
    """A view routed before the map goes under the device's key: its household would count one short."""
    from hausgraph.api.scaleout import ExposureRouter
    from hausgraph.api.service import ActivationService
    from ingest.pseudonym import Pseudonymizer

    svc = ActivationService(Pseudonymizer("k"))
    svc.feed["device_map_at"] = None
    router = ExposureRouter(svc, "127.0.0.1:1", "g", "views", "exposures", 8, (0, 2))
    router._step()  # no Kafka at 127.0.0.1:1: opening a consumer would raise
    assert router.consumer is None and router._waiting_logged


def test_a_view_read_twice_counts_once_from_views_and_from_the_exposures_topic():
    """A restarted router or a producer's retry delivers a view again: the live context counts it once."""
    import orjson

    from hausgraph.api.scaleout import encode
    from hausgraph.api.service import ActivationService
    from ingest.contract import parse_view
    from ingest.pseudonym import Pseudonymizer
    from ingest.rows import event_identity

    now = 1_700_000_000_000
    raw = {"ts": now - 60_000, "ip": "81.2.69.160", "mac": "00:11:22:33:44:55", "event": "view"}
    first = parse_view(orjson.dumps({**raw, "content_id": "film", "duration_s": 600, "event_id": "e1"}), now)
    other = parse_view(orjson.dumps({**raw, "content_id": "film", "duration_s": 600, "event_id": "e2"}), now)
    svc = ActivationService(Pseudonymizer("k"), clock=lambda: now / 1000)
    svc.apply_events([first, first, other])
    device = svc.pseudo.mac(first.mac)
    assert len(svc.state.views_since([device], 0, now)) == 2  # e1 once; e2 is another event (contract §1)
    assert svc.state.duplicate_views == 1

    routed = ActivationService(Pseudonymizer("k"), clock=lambda: now / 1000)
    rec = orjson.loads(encode(device, first, event_identity(first, routed.pseudo)))
    routed.apply_records([rec, rec])
    routed.apply_records([dict(rec)])  # routed again after a restart
    assert len(routed.state.views_since([device], 0, now)) == 1
    assert routed.snapshot_stats()["duplicate_views"] == 2


class _Consumer:
    def __init__(self, position: dict, committed: dict) -> None:
        self._position, self._committed = position, committed

    def position(self, tp):
        return self._position[tp]

    def committed(self, tp):
        return self._committed.get(tp)


def test_a_restarted_router_resumes_after_its_committed_offsets_not_at_the_window():
    from kafka import TopicPartition

    from hausgraph.api.scaleout import ExposureRouter
    from hausgraph.api.service import ActivationService
    from ingest.pseudonym import Pseudonymizer

    parts = [TopicPartition("views", q) for q in range(3)]
    router = ExposureRouter(ActivationService(Pseudonymizer("k")), "127.0.0.1:1", "g", "views", "x", 8)
    # window starts at 100 everywhere; committed: 250 (later: resume there), 40 (older than the window:
    # start at the window), none (a new group: the window)
    router.consumer = _Consumer(dict.fromkeys(parts, 100), {parts[0]: 250, parts[1]: 40})
    assert router._resume_at(parts) == {parts[0]: 250}
    router._next[parts[2]] = 180  # a reconnect of a running router: after what it flushed
    assert router._resume_at(parts) == {parts[0]: 250, parts[2]: 180}
