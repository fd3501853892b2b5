"""The personas core: exact small cases, brute-force oracles of the layer-2 steps, stability, bad input,
the job shell through the recording fake, and the generator's persona truth."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from generator.behaviour import EVENTS
from generator.params import WorldParams
from generator.pipeline import Generation
from generator.truth import build_truth
from graph.activity import day_frames, ghost_regions, period_ids, sleepy_regions
from graph.client import RecordingClient
from graph.device_columns import device_columns, frames_from_columns
from graph.device_days import catalog_meta, device_days_from_events
from graph.export import PERSONA_HEADER, personas_csv
from graph.jobs import JOBS, JobContext
from graph.params import GraphParams, PersonaParams
from graph.persona_model import personas_from_rows
from graph.personas import PERSONAS
from graph.vocabulary import DAY_MS, HOUR_MS
from tests.unit.test_job_shells import declared_row_fields

MONDAY = 20_395  # 2025-11-03, a Monday, as a day number since the epoch
CAT = catalog_meta(
    [
        {
            "content_id": f"s1e{i}",
            "kind": "series_episode",
            "series_id": "s1",
            "genres": ["drama"],
            "age_rating": 12,
        }
        for i in range(20)
    ]
    + [{"content_id": f"k{i}", "kind": "show", "genres": ["kids"], "age_rating": 0} for i in range(5)]
    + [
        {"content_id": f"m{i}", "kind": "movie", "genres": [g], "age_rating": 16}
        for i, g in enumerate(["crime", "news", "sports", "comedy", "travel", "music", "scifi"])
    ]
)


def ev(
    device: str, day: int, hour: int, content: str | None, event: str = "view", secs: float = 1500.0
) -> dict:
    return {
        "device": device,
        "ts": day * DAY_MS + hour * HOUR_MS,
        "event": event,
        "content_id": content,
        "duration_s": secs if event == "view" else None,
        "device_type": "tablet",
    }


def personas(events: list[dict], as_of: int) -> dict[str, dict]:
    r = personas_from_rows(device_days_from_events(events, CAT), as_of_ms=as_of * DAY_MS)
    return {d["device"]: d for d in r.devices}


def test_exact_personas_of_small_histories() -> None:
    events = []
    for d in range(7):  # a week binging one series, plus a little else
        events += [ev("binger", MONDAY + d, 20, f"s1e{d * 2 + i}") for i in range(2)]
        events += [ev("binger", MONDAY + d, 21, f"m{d}", secs=600)]
        events += [ev("kid", MONDAY + d, 15, f"k{(d + i) % 5}", secs=900) for i in range(3)]
    # a ghoster: active in the week before, then one short visit after a long gap
    events += [ev("ghost", MONDAY - 6, 12, "m1", secs=300), ev("ghost", MONDAY + 5, 12, "m3", secs=200)]
    events += [ev("once", MONDAY + 3, 10, None, event="search")]
    got = personas(events, MONDAY + 6)
    assert {k: v["persona"] for k, v in got.items()} == {
        "binger": "binger",
        "kid": "kids",
        "ghost": "ghoster",
        "once": "casual",
    }
    evidence = json.loads(got["binger"]["evidence"])
    assert (
        evidence["top_series"] == "s1" and evidence["series_views"] == 14 and evidence["week"] == "2025-11-03"
    )
    assert got["kid"]["age_band"] == "kid" and got["binger"]["age_band"] in ("teen", "adult")
    assert got["once"]["age_band"] is None and got["binger"]["since"] == "2025-11-03"


def test_binger_turned_ghoster_is_a_high_churn_transition() -> None:
    events = [ev("d", MONDAY + d, 20, f"s1e{d * 2 + i}") for d in range(7) for i in range(2)]
    events += [ev("d", MONDAY + 13, 9, "m2", secs=120)]  # next week: one short view after 6 silent days
    r = personas_from_rows(device_days_from_events(events, CAT), as_of_ms=(MONDAY + 13) * DAY_MS)
    [dev] = r.devices
    assert dev["persona"] == "ghoster" and dev["churn_risk"] == "high"
    assert json.loads(dev["evidence"])["previous"] == "binger"
    assert [(t["from"], t["to"], t["churn_risk"]) for t in r.transitions] == [("binger", "ghoster", "high")]
    assert [h["persona"] for h in r.history] == ["binger", "ghoster"] and r.history[-1]["current"]


def test_bad_input_has_a_defined_outcome() -> None:
    events = [
        ev("unknown", MONDAY, 20, "not-in-catalog"),  # content the catalog lacks
        ev("ahead", MONDAY + 400, 20, "m1"),  # a clock a year ahead, nothing else
        ev("mixed", MONDAY, 20, "m1"),
        ev("mixed", MONDAY + 900, 20, "m1"),
    ]
    got = personas(events, MONDAY + 1)
    assert got["unknown"]["persona"] == "casual"
    assert (
        got["ahead"]["persona"] == "casual"
        and json.loads(got["ahead"]["evidence"])["reason"] == "clock_ahead"
    )
    assert (
        got["mixed"]["persona"] == "casual" and json.loads(got["mixed"]["evidence"])["days_since_active"] == 1
    )
    assert personas_from_rows([]).devices == []
    assert all(d["persona"] in PERSONAS for d in got.values())


def _random_days(rng: random.Random) -> list[dict]:
    rows = []
    for dev in range(rng.randint(1, 6)):
        for day in sorted(rng.sample(range(40), rng.randint(1, 15))):
            rows.append(
                {
                    "device": f"d{dev}",
                    "day": day * DAY_MS,
                    "views": rng.randint(1, 5),
                    "genres": ["news"],
                    "genre_seconds": [float(rng.randint(10, 300))],
                }
            )
    return rows


@pytest.mark.parametrize("seed", range(30))
def test_layer_two_steps_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    rows = _random_days(rng)
    f = day_frames(rows)
    active = {}
    for r in rows:
        active.setdefault(r["device"], set()).add(r["day"] // DAY_MS)
    dev, day = f.days["dev"].to_numpy(), f.days["day"].to_numpy()
    tol = rng.randint(0, 3)
    pid = period_ids(dev, day, tol)
    for i in range(1, len(dev)):
        same = dev[i] == dev[i - 1] and day[i] - day[i - 1] <= tol + 1
        assert (pid[i] == pid[i - 1]) == same
    p = PersonaParams()
    sleepy = sleepy_regions(f, as_of=45, params=p)
    expect = []
    for k, name in enumerate(f.devices):
        days = sorted(active[name])
        for a, b in zip(days, days[1:] + [46]):
            if b - a - 1 >= p.sleepy_days:
                expect.append((k, a + 1, b - 1))
    assert sorted(zip(sleepy["dev"], sleepy["start"], sleepy["end"])) == sorted(expect)
    ghosts = ghost_regions(f, p)
    for g in ghosts.itertuples():  # every active day inside a region is sporadic both ways
        for d in active[f.devices[g.dev]]:
            if g.start <= d <= g.end:
                before = sum(1 for x in active[f.devices[g.dev]] if d - 6 <= x <= d)
                after = sum(1 for x in active[f.devices[g.dev]] if d <= x <= d + 6)
                assert before <= 2 and after <= 2


def _world_events(households: int, days: int, seed: int):
    gen = Generation(WorldParams(households=households, days=days, seed=seed))
    w, ids = gen.world, [r["content_id"] for r in gen.world.catalog.records]
    events = []
    for day in range(days):
        e = gen.simulate(day)[0]
        for d, ts, k, c, dur in zip(
            e.dev.tolist(), e.ts.tolist(), e.event.tolist(), e.content.tolist(), e.duration.tolist()
        ):
            events.append(
                {
                    "device": w.dev_key[d],
                    "ts": ts,
                    "event": EVENTS[k],
                    "content_id": None if c < 0 else (ids[c] if c < len(ids) else f"new-{c}"),
                    "duration_s": None if dur != dur else dur,
                    "device_type": w.dev_reported[d],
                }
            )
    return gen, events


@pytest.fixture(scope="module")
def small_world():
    gen, events = _world_events(40, 15, 4)
    return gen, events, catalog_meta(gen.world.catalog.records)


@pytest.mark.parametrize("added", [8, 11, 14])
def test_stable_on_rerun_and_a_new_day_changes_only_its_devices(small_world, added: int) -> None:
    gen, events, cat = small_world
    start = gen.params.start_ms // DAY_MS
    last = start + added  # add world day 8, 11 or 14 (a Friday, a Monday, a Thursday) to the days before
    events = [e for e in events if e["ts"] < (last + 1) * DAY_MS]
    before = [e for e in events if e["ts"] < last * DAY_MS]
    a = personas_from_rows(device_days_from_events(before, cat), as_of_ms=(last - 1) * DAY_MS)
    again = personas_from_rows(device_days_from_events(before, cat), as_of_ms=(last - 1) * DAY_MS)
    assert a.history == again.history and a.devices == again.devices
    b = personas_from_rows(device_days_from_events(events, cat), as_of_ms=last * DAY_MS)
    that_day = {e["device"] for e in events if e["ts"] >= last * DAY_MS}
    weeks = lambda r: {(h["device"], h["week"]): h["persona"] for h in r.history}
    wa, wb = weeks(a), weeks(b)
    changed = {k[0] for k in set(wa) | set(wb) if wa.get(k) != wb.get(k)}
    assert changed <= that_day
    cur = lambda r: {d["device"]: d["persona"] for d in r.devices}
    assert {k for k in cur(b) if cur(a).get(k) != cur(b)[k]} <= that_day
    assert {"ghoster", "casual"} <= set(wb.values()), "the world exercises the ghoster and default rules"


def test_generator_truth_names_personas_switches_and_age_bands(small_world) -> None:
    gen, events, _ = small_world
    truth = build_truth(gen)
    devs = truth["devices"]
    assert {d["persona"] for d in devs} <= {None, "binger", "ghoster", "kids", "loyal"}
    assert {d["age_band"] for d in devs} <= {None, "kid", "teen", "adult"}
    switched = [d for d in devs if d["persona_switch"]]
    assert switched, "a 15-day world has binge watchers who turn ghoster"
    for d in switched:
        day = (np.datetime64(d["persona_switch"]["day"]) - np.datetime64("1970-01-01")).astype(int)
        n_before = sum(1 for e in events if e["device"] == d["key"] and e["ts"] < day * DAY_MS)
        n_after = sum(1 for e in events if e["device"] == d["key"] and e["ts"] >= day * DAY_MS)
        days_before = day - gen.params.start_ms // DAY_MS
        assert n_after / max(15 - days_before, 1) < max(n_before / max(days_before, 1), 1.0)


def test_personas_shell_writes_what_its_queries_declare(small_world) -> None:
    gen, events, cat = small_world
    rows = device_days_from_events(events, cat)
    hh = {gen.world.dev_key[d]: gen.world.hh_ids[gen.world.dev_home[d]] for d in range(gen.world.n_devices)}
    client = RecordingClient(
        answers={
            "jobs/read_latest_day": [{"day": max(r["day"] for r in rows)}],
            "jobs/read_device_day_columns": device_columns(rows),
        }
    )
    ctx = JobContext(client, "p-run", "personas", {}, shared={})
    JOBS["personas"](ctx, GraphParams())
    devices = client.written("jobs/write_personas")
    weeks = client.written("jobs/create_persona_history")
    assert len(weeks) == ctx.counts["weeks"] == ctx.counts["weeks_written"] == ctx.counts["weeks_created"]
    client.answers["jobs/read_member_personas"] = [{**d, "household": hh[d["device"]]} for d in devices]
    stored: dict[str, dict] = {}
    for w in weeks:
        s = stored.setdefault(w["device"], {"device": w["device"], "weeks": [], "digests": []})
        s["weeks"].append(w["week"])
        s["digests"].append(w["digest"])
    client.answers["jobs/read_persona_digests"] = list(stored.values())
    JOBS["personas"](ctx, GraphParams())
    assert ctx.counts["weeks_written"] == 0 and len(client.written("jobs/create_persona_history")) == len(
        weeks
    )
    assert not client.written("jobs/write_persona_history")
    names = {r["name"] for r in client.written("jobs/merge_personas")}
    assert names == {w["persona"] for w in weeks}
    for name in (
        "jobs/write_personas",
        "jobs/merge_personas",
        "jobs/create_persona_history",
        "jobs/write_household_personas",
    ):
        rows_written = client.written(name)
        assert rows_written, name
        for row in rows_written:
            assert set(row) == declared_row_fields(name), name
            json.dumps(row)
    assert len({d["device"] for d in devices}) == len(devices) == ctx.counts["devices"]
    assert len(client.written("jobs/write_personas")) == 2 * len(devices)  # the second run: the same devices
    assert ctx.counts["households"] == len({hh[d["device"]] for d in devices})
    text = personas_csv([{**d, "device_key": d["device"]} for d in devices[: ctx.counts["devices"]]])
    assert text.splitlines()[0] == ",".join(PERSONA_HEADER)


def test_columnar_device_records_build_the_frames_of_the_rows(small_world) -> None:
    """What the job reads (one record per device, graph.device_columns) gives the frames of the rows."""
    gen, events, cat = small_world
    rows = device_days_from_events(events, cat)
    series = {r["content_id"]: r["series_id"] for r in gen.world.catalog.records if r.get("series_id")}
    a = day_frames(rows, PersonaParams(), series)
    b = frames_from_columns(device_columns(rows), PersonaParams(), series)
    for k in ("days", "genres", "series"):
        x, y = getattr(a, k), getattr(b, k)
        assert x.columns.tolist() == y.columns.tolist()
        assert np.allclose(x.to_numpy(dtype=float), y.to_numpy(dtype=float), equal_nan=True), k
    assert a.devices.tolist() == b.devices.tolist() and a.device_type.tolist() == b.device_type.tolist()
    assert (
        a.genre_names.tolist() == b.genre_names.tolist()
        and a.series_names.tolist() == b.series_names.tolist()
    )
    assert (b.series["views"] > 1).any(), "episodes counted from the days' contents"
    # the query returns devices and days in no particular order
    shuffled = [
        {k: v[::-1] if isinstance(v, list) else v for k, v in r.items()} for r in device_columns(rows)
    ]
    c = frames_from_columns(shuffled[::-1], PersonaParams(), series)
    for k in ("days", "genres", "series"):
        assert np.allclose(
            getattr(b, k).to_numpy(dtype=float), getattr(c, k).to_numpy(dtype=float), equal_nan=True
        )
