"""The household and social jobs on Spark (``local[2]``): equal to the pure cores on a
1,000-household world, and through files into Neo4j.

This module never skips: without ``pyspark`` (the ``spark`` extra, part of ``test``) or Java
it fails, loudly.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyspark  # noqa: F401 - a missing Spark fails this module, it does not skip it
import pytest
from pyspark.sql import functions as F

from graph.admin import migrate
from graph.client import GraphClient
from graph.households.cgnat import _stint_evidence, address_pools
from graph.households.core import household_rows, run_households
from graph.jobs import run_job
from graph.jobs.reads import current_assignment, presence_rows
from graph.params import GraphParams, HouseholdParams
from graph.social import social_links
from graph.spark import InputInvalid, SparkUnavailable
from graph.spark.compare import pair_f1
from graph.spark.components import connected_components
from graph.spark.copresence import address_pools as spark_address_pools
from graph.spark.copresence import stint_evidence
from graph.spark.core import run_spark_households, run_spark_social
from graph.spark.files import read_links, read_output, write_presence, write_presence_table
from graph.spark.presence import dense_codes, read_presence
from graph.spark.session import check_engine, spark_session
from tests.integration.world import ingested

REPO = Path(__file__).resolve().parents[2]
#: Spark's fixed cost is CPU-bound: on the shared 2-core box at load 20 the equality fixture took
#: 680 s and the export-to-import test 710 s (on a quiet box a fraction of that); the global 600 s
#: per-test limit would turn load into failures.
pytestmark = pytest.mark.timeout(1500)
#: The equality world: bench/households_core.py's synthetic world (static, daily and weekly
#: reassigned IPv4 homes, IPv6 and DS-Lite, CGNAT pools, offices, mobile carriers, visits);
#: 2,600 devices make 958 true households.
EQUALITY_DEVICES = 2_600
#: the equality world is moved this much later in UTC (another time zone than the generator's)
SHIFT_MS = 6 * 3_600_000


def _synthetic_world(devices: int, seed: int):
    """bench/households_core.py's synthetic world of ``devices`` devices over 14 days."""
    sys.path.insert(0, str(REPO))
    from bench.households_core import synthetic_world

    return synthetic_world(devices, days=14, seed=seed)


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]", driver_memory="2g")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def equality_world(spark, tmp_path_factory):
    """(presence table, output dir) of one Spark household + social run on the 1,000-household world,
    moved six hours later in UTC (its viewers in UTC-5: both engines read the offset from the data)."""
    from dataclasses import replace

    base = tmp_path_factory.mktemp("spark-equality")
    table, _, facts = _synthetic_world(EQUALITY_DEVICES, seed=1)
    assert facts["households"] >= 900
    table = replace(table, hour=table.hour + SHIFT_MS)
    write_presence_table(table, base / "presence")
    params = GraphParams()  # the real defaults: the CGNAT stint-evidence gate included
    run_spark_households(spark, str(base / "presence"), str(base / "out"), params.households)
    run_spark_social(spark, str(base / "presence"), str(base / "out"), params.social, params.households)
    return table, base / "out"


def test_households_on_spark_equal_the_pure_core_on_1000_households(equality_world):
    table, out_dir = equality_world
    run = run_households(table, GraphParams().households)
    out = read_output(out_dir)
    assert len(out["households"]) >= 900
    _assert_same_answer(out, run, table)


def test_network_profiles_on_spark_equal_the_pure_core(spark, equality_world):
    """Every profile figure the classification reads, DS-Lite's shared IPv4 days included (the
    world's AFTR addresses carry several IPv6 homes at once), per network as the pure core has it."""
    from graph.networks import network_stats as pure_stats
    from graph.spark.presence import STATS, network_stats, presence_rows

    table, out_dir = equality_world
    p = GraphParams().households
    rows, _ = presence_rows(read_presence(spark, str(out_dir.parent / "presence")), p)
    got = {r["network"]: r for r in network_stats(rows, p).collect()}
    want = pure_stats(table, p.network)
    assert (want["shared_v4_days"] >= p.network.shared_v4_min_days).sum() >= 5
    seen = want["device_hours"] > 0  # the synthetic table also names networks without rows
    assert set(got) == {str(k) for k in table.network_keys[seen]}
    for name in STATS:
        spark_values = np.array([got[str(k)][name] for k in table.network_keys[seen]], dtype=np.float64)
        np.testing.assert_allclose(spark_values, want[name][seen], rtol=1e-9, err_msg=name)


def test_warm_started_households_on_spark_equal_the_pure_core(spark, tmp_path):
    """Live mode's full run keeps the stored cut of a component that needs splitting unless the
    data hold a clearly better one; Spark given the same stored households answers as the pure
    core does. The world: eight phones in a ring (every cut into arcs as good as another, see
    ``tests/unit/test_graph_clustering.py``) and a home of three beside it."""
    from dataclasses import replace

    from graph.networks import PresenceTable
    from tests.unit.test_graph_clustering import ROTATED, _ring_rows
    from tests.unit.test_graph_worlds import home

    p = replace(GraphParams().households, max_household_size=4)
    table = PresenceTable.from_rows(_ring_rows() + home("h", "nh"))
    cold = run_households(table, p)
    warm = run_households(table, p, previous=ROTATED)
    assert not np.array_equal(warm.labels, cold.labels)  # the stored cut was kept
    write_presence_table(table, tmp_path / "presence")
    previous = spark.createDataFrame(sorted(ROTATED.items()), "device string, household string")
    run_spark_households(spark, str(tmp_path / "presence"), str(tmp_path / "warm"), p, previous=previous)
    _assert_same_answer(read_output(tmp_path / "warm"), warm, table)  # so not the cold cut


def test_a_world_in_another_time_zone_is_read_in_its_local_time_on_spark_as_in_the_pure_core(equality_world):
    """The equality world is six hours later in UTC than the generator makes it: the pure core reads
    the offset from the data and answers as on the world itself, and Spark answers as the pure core
    does (``test_households_on_spark_equal_the_pure_core_on_1000_households``)."""
    from dataclasses import replace

    from graph.clock import localized

    shifted, _ = equality_world
    table = replace(shifted, hour=shifted.hour - SHIFT_MS)
    p = GraphParams().households
    assert (
        localized(p, shifted).network.local_offset_hours == localized(p, table).network.local_offset_hours - 6
    )
    assert np.array_equal(run_households(shifted, p).labels, run_households(table, p).labels)


def test_cgnat_stint_evidence_equals_the_pure_core(spark):
    """The gate's evidence per pair (small pools: some pairs fall below ``cgnat_min_evidence``)."""
    rng = np.random.default_rng(5)
    devs, days, nets = 30, 12, 4  # two pools of 2 addresses: stints are weak evidence
    pool = np.array([0, 0, 1, 1])
    e = np.unique(
        np.c_[rng.integers(0, devs, 900), rng.integers(0, days, 900), rng.integers(0, nets, 900)], axis=0
    )  # distinct (device, day, address), by device then day then address
    have = {tuple(x) for x in e.tolist()}
    pairs = sorted({tuple(sorted(rng.choice(devs, 2, replace=False).tolist())) for _ in range(60)})
    pos, owner, agreed = [], [], []
    for k, (a, b) in enumerate(pairs):
        for i in np.flatnonzero(e[:, 0] == a):
            if (b, int(e[i, 1]), int(e[i, 2])) in have:
                pos.append(i), owner.append(k), agreed.append((a, b, int(e[i, 1]), f"n{e[i, 2]}"))
    want = _stint_evidence(e[:, 0], e[:, 1], e[:, 2], np.array(pos), np.array(owner), len(pairs), pool)
    edf = spark.createDataFrame(
        [(int(d), int(y), f"n{n}") for d, y, n in e], "dev long, day long, network string"
    )
    adf = spark.createDataFrame(agreed, "a long, b long, day long, network string")
    pdf = spark.createDataFrame([(f"n{i}", int(x)) for i, x in enumerate(pool)], "network string, pool long")
    got = {(r["a"], r["b"]): r["evidence"] for r in stint_evidence(edf, adf, pdf).collect()}
    assert {p: got.get(p, 0.0) for p in pairs} == pytest.approx(dict(zip(pairs, want.tolist())), rel=1e-12)
    gate = HouseholdParams().cgnat_min_evidence
    assert 0 < sum(w >= gate for w in want) < len(pairs)  # the gate keeps some pairs and drops others


def test_a_tv_is_never_away_behind_a_carrier_on_spark_as_in_the_pure_core(spark):
    """CGNAT pairs on Spark as in the pure core when a pair with a TV must agree every day
    (``graph.households.cgnat.stays_home``): homes that part on the last day, TVs and all, pair
    across only through phones and tablets; a phone away a whole day keeps its tablet, not its TV
    (tests.unit.test_graph_cgnat)."""
    from graph.households.cgnat import cgnat_pairs as pure_pairs
    from graph.households.copresence import _hour_tables
    from graph.networks import CGNAT, HOME, PresenceTable
    from graph.spark.copresence import cgnat_pairs
    from graph.spark.presence import presence_rows as spark_presence_rows
    from tests.unit.test_graph_cgnat import _moving_home, _pool_homes
    from tests.unit.test_graph_worlds import home

    parted = _moving_home("e", list("XXYYZZXY")) + _moving_home("f", list("XXYYZZXZ")) + _pool_homes(8)
    away = _pool_homes(8)
    for day, addr in enumerate("XXYYYYZZ"):
        away += home("g", addr, days=[day], members=[("tv", "tv"), ("tab", "tablet")])
        away += home("g", addr if day != 3 else "Z", days=[day], members=[("ph", "phone")])
    p = HouseholdParams()
    for rows, must, never in (
        (parted, {("e-ph", "e-tv"), ("f-ph", "f-tv")}, {("e-tv", "f-tv"), ("e-tv", "f-ph")}),
        (away, {("g-ph", "g-tab"), ("g-tab", "g-tv")}, {("g-ph", "g-tv")}),
    ):
        t = PresenceTable.from_rows(rows)
        cls = np.array([CGNAT if k in "XYZ" else HOME for k in t.network_keys], dtype=np.int8)
        hidx, win_h, _, w0, _ = _hour_tables(t.hour, p)
        cg = pure_pairs(t, cls, win_h, hidx, w0, p)
        keys = t.device_keys.tolist()
        want = {(keys[a], keys[b]) for a, b in zip(cg.a.tolist(), cg.b.tolist())}
        assert must <= want and not never & want
        raw = spark.createDataFrame(
            [
                (r["device"], r["device_type"], r["network"], r["family"], r["hour"], r["events"])
                for r in rows
            ],
            "device string, device_type string, network string, family int, hour long, events int",
        )
        srows, devices = spark_presence_rows(raw, p)
        name = {r["dev"]: r["device"] for r in devices.collect()}
        pw, _ = cgnat_pairs(srows.where(F.col("network").isin("X", "Y", "Z")), p)
        got = {tuple(sorted((name[r["a"]], name[r["b"]]))) for r in pw.select("a", "b").distinct().collect()}
        assert got == want


def test_apart_pairs_equal_the_pure_core(spark):
    """``graph.spark.apart`` on random screens in two components, one over ``max_apart_screens``
    (not searched): the same pairs as ``graph.households.apart``."""
    from dataclasses import replace

    from graph.households.apart import apart_pairs as pure_pairs
    from graph.households.apart import fixed_rows as pure_fixed
    from graph.networks import HOME, PresenceTable
    from graph.spark.apart import apart_pairs

    rng = random.Random(3)
    rows = [
        {"device": f"tv{d}", "device_type": "tv", "network": f"n{rng.randrange(4)}", "family": 4,
         "hour": (24 * day + 19) * 3_600_000, "events": 1}
        for d in range(12) for day in range(7) if rng.random() < 0.8
    ]  # fmt: skip
    t = PresenceTable.from_rows(rows)
    comp = np.array([0 if int(k[2:]) < 5 else 1 for k in t.device_keys.tolist()])
    p = replace(HouseholdParams(), max_apart_screens=6)
    fixed = pure_fixed(t, np.full(len(t.network_keys), HOME, np.int8), p)
    want = set(zip(*(x.tolist() for x in pure_pairs(fixed, comp, p))))
    assert want and all(comp[a] == 0 for a, _ in want)
    df = spark.createDataFrame(
        [
            (int(d), int(h), int(f), str(n))
            for d, h, f, n in zip(fixed.dev, fixed.hour, fixed.family, fixed.net)
        ],
        "dev long, hour long, family int, network string",
    )
    cdf = spark.createDataFrame([(i, int(c)) for i, c in enumerate(comp)], "dev long, component long")
    assert {(r["a"], r["b"]) for r in apart_pairs(df, cdf, p).collect()} == want


def test_cgnat_address_pools_equal_the_pure_core(spark):
    """Addresses joined by moves of several devices are one pool; a lone visitor joins nothing."""
    moves = [("n0", "n1", 3), ("n1", "n2", 2), ("n3", "n4", 1), ("n5", "n3", 4), ("n6", "n7", 2)]
    want = address_pools(
        9,
        np.array([int(a[1:]) for a, _, k in moves if k >= 2]),
        np.array([int(b[1:]) for _, b, k in moves if k >= 2]),
    )
    e = spark.createDataFrame([(0, 0, f"n{i}") for i in range(9)], "dev long, day long, network string")
    size = spark.createDataFrame(moves, "network string, net2 string, k long")
    got = {r["network"]: r["pool"] for r in spark_address_pools(e, size).collect()}
    same = lambda part: {(i, j) for i in range(9) for j in range(9) if part[i] == part[j]}
    assert same([got[f"n{i}"] for i in range(9)]) == same(want.tolist())
    assert same(want.tolist()) >= {(0, 2), (3, 5), (6, 7)} and (3, 4) not in same(want.tolist())


def test_social_links_on_spark_equal_the_pure_core(equality_world):
    table, out_dir = equality_world
    params = GraphParams()
    links, members = read_links(out_dir)
    want = social_links(table, members, params.social, params.households)
    assert len(want) >= 20  # the world's visitors make links
    assert [(x["household_a"], x["household_b"]) for x in links] == [
        (x["household_a"], x["household_b"]) for x in want
    ]
    for got, exp in zip(links, want):
        assert got["weight"] == pytest.approx(exp["weight"], abs=1e-9)
        assert (got["visits"], got["first_seen"], got["last_seen"], got["evidence"]) == (
            exp["visits"],
            exp["first_seen"],
            exp["last_seen"],
            exp["evidence"],
        )


# --- the casebook: small worlds of the pure cores' unit tests, in one Spark run -------------------
#
# Each case is a small world of its own (device keys and networks prefixed with its name), so one
# union makes one presence table: one household run and one social run on each engine instead of
# one or two per case (Spark's fixed cost per run is most of a small world's time). The union's
# answers must equal the pure core's on the union; each case's own outcome is then read off its
# devices.


def _case(tag: str, rows: list[dict]) -> list[dict]:
    return [dict(r, device=f"{tag}/{r['device']}", network=f"{tag}/{r['network']}") for r in rows]


def _ds_lite_street_with(visitor: str) -> list[dict]:
    """tests.unit.test_graph_worlds.ds_lite_street, and: ``console``: home 3's console one evening
    at a friend's IPv4 home; ``guest``: a guest's phone on home 1's /64 and its carrier address on
    five mornings (tests.unit.test_graph_v4_side)."""
    from tests.unit.test_graph_worlds import ds_lite_street, home, stay

    rows = ds_lite_street()
    if visitor == "console":
        rows += home("f", "f-net") + stay("d3-con", "console", "f-net", [5], [19])
    if visitor == "guest":
        rows += home("g", "g-net", members=(("tv", "tv"), ("ph", "phone")))
        rows += stay("g-ph", "phone", "v6-1", range(5), [10], family=6) + stay(
            "g-ph", "phone", "aftr1", range(5), [10]
        )
    return rows


def _cases() -> dict[str, list[dict]]:
    from tests.unit.test_graph_apart import weekend_guest_world
    from tests.unit.test_graph_parting import _moved_out
    from tests.unit.test_graph_social import _weekend_world
    from tests.unit.test_graph_worlds import ds_lite_street, home, stay

    left = _moved_out("a", "flat") + _moved_out("b", "nc") + home("c", "nc")
    left += _moved_out("d", "flat-d", members=(("tv", "tv"), ("ph", "phone")))

    short = home("a", "na") + home("b", "nb") + stay("a-lap", "laptop", "na", [3], [19, 20])
    short += stay("g1", "phone", "na", [4], [19, 20])  # lives behind a carrier
    for i in range(50):
        short += home(f"c{i}", "cgnat")
    short += stay("g1", "phone", "cgnat", range(14), [21, 22])
    short += stay("g2", "phone", "nb", [3], [19, 20]) + stay("g2", "phone", "ng", [5, 6, 7], [19])
    short += stay("g3", "phone", "nb", [6], [19]) + stay("g3", "phone", "mobile", range(14), [8])
    short += stay("b-ph", "phone", "na", [9], [19, 20]) + stay("x", "phone", "na", [9], [19, 20])

    once = home("a", "na") + home("b", "nb") + stay("a-tv", "tv", "na", [3], [7])
    once += stay("a-lap", "laptop", "na", [3], [12])
    once += stay("b-tv", "tv", "nb", [5], [7]) + stay("x", "phone", "nb", [5], [12])
    once += stay("y", "phone", "nb", [5], [13])

    placeholder = [r for i in range(8) for r in home(f"h{i}", f"n{i}")]
    placeholder += [r for i in range(8) for r in stay("02:00", "phone", f"n{i}", range(0, 14, 2), [19, 20])]
    placeholder += stay("h0-ph", "phone", "n1", [3, 9], [19, 20])  # visits: h0 and h1 are friends

    evening = home("a", "na") + home("b", "nb") + home("c", "nc")
    hours = range(17, 23)
    evening += stay("c-tab", "tablet", "P", [2], hours) + stay("c-tab", "tablet", "Q", [5], hours)
    evening += stay("a-ph", "phone", "P", [2], [19, 20]) + stay("a-ph", "phone", "Q", [5], [19, 20])

    visiting = ds_lite_street()
    visiting += stay("d5-ph", "phone", "aftr2", [0, 2, 3, 5, 6, 7, 9, 10, 12], [19])
    visiting += stay("d5-ph", "phone", "aftr1", [4], [21, 22, 23])
    visiting += stay("d0-ph", "phone", "v6-5", [10], [19], family=6)

    weekend = _weekend_world("a-ph", "phone") + _weekend_world("c-tv2", "tv", "c", "d")
    weekend += weekend_guest_world("p", "q")
    return {
        "left": left,
        "short": short,
        "dslite-none": _ds_lite_street_with("none"),
        "dslite-console": _ds_lite_street_with("console"),
        "dslite-guest": _ds_lite_street_with("guest"),
        "once": once,
        "placeholder": placeholder,
        "evening": evening,
        "visiting": visiting,
        "weekend": weekend,
    }


@pytest.fixture(scope="module")
def casebook(spark, tmp_path_factory):
    """The union of :func:`_cases` through both engines: households, then social links with the
    default params and with one window enough for a host to live somewhere."""
    from dataclasses import replace

    from graph.networks import PresenceTable

    base = tmp_path_factory.mktemp("spark-casebook")
    table = PresenceTable.from_rows([r for tag, rows in _cases().items() for r in _case(tag, rows)])
    params = GraphParams()
    run = run_households(table, params.households)
    write_presence_table(table, base / "presence")
    run_spark_households(spark, str(base / "presence"), str(base / "out"), params.households)
    out = read_output(base / "out")
    links = {}
    for name, sp in (("default", params.social), ("one-window", replace(params.social, min_host_windows=1))):
        run_spark_social(spark, str(base / "presence"), str(base / "out"), sp, params.households)
        got, members = read_links(base / "out")
        links[name] = (got, social_links(table, members, sp, params.households), members)
    return table, run, out, links


def _of(case: str, keys) -> list[str]:
    """The keys of ``case``'s devices, without its prefix."""
    return [k.split("/", 1)[1] for k in keys if k.startswith(case + "/")]


def _case_links(casebook, case: str, name: str = "default") -> tuple[list[dict], dict[str, str]]:
    """Spark's links of ``case`` (with the default params, or ``one-window``) after checking them
    against the pure core's on the whole union; and ``case``'s memberships."""
    _, _, _, links = casebook
    got, want, members = links[name]
    assert [x["weight"] for x in got] == pytest.approx([x["weight"] for x in want], abs=1e-9)
    assert [(x["household_a"], x["household_b"], x["visits"], x["evidence"]) for x in got] == [
        (x["household_a"], x["household_b"], x["visits"], x["evidence"]) for x in want
    ]
    mine = {k.split("/", 1)[1]: h for k, h in members.items() if k.startswith(case + "/")}
    homes = set(mine.values())
    return [x for x in got if x["household_a"] in homes or x["household_b"] in homes], mine


def test_the_casebook_on_spark_equals_the_pure_core(casebook):
    """Every case's memberships, confidences, evidence and households, as the pure core has them."""
    table, run, out, _ = casebook
    _assert_same_answer(out, run, table)


def test_a_device_that_left_its_household_is_unassigned_on_spark_as_in_the_pure_core(casebook):
    """``graph.households.parting`` on Spark: a phone whose last two days are at a flat of its own
    leaves its household of three; one spending them at a friend's, and one of a household of two,
    stay (tests.unit.test_graph_parting), as in the pure core."""
    table, run, _, _ = casebook
    assert _of("left", table.device_keys[run.labels < 0]) == ["a-ph"]


def test_short_history_devices_join_on_spark_as_in_the_pure_core(casebook):
    """``graph.households.attach`` on Spark: a laptop seen once, only at home, joins; a guest who
    lives behind a carrier, a guest seen alone at its own home, a phone in use all week but at a
    home once, and a device seen once at a party of two households stay unassigned."""
    table, run, _, _ = casebook
    code = {str(k): i for i, k in enumerate(table.device_keys.tolist())}
    assert run.labels[code["short/a-lap"]] == run.labels[code["short/a-tv"]] >= 0
    assert all(run.labels[code[f"short/{d}"]] < 0 for d in ("g1", "g2", "g3", "x"))


@pytest.mark.parametrize("visitor", ["none", "console", "guest"])
def test_the_ipv4_side_of_a_ds_lite_home_joins_it_on_spark_as_in_the_pure_core(casebook, visitor):
    """``graph.households.v4_side`` on Spark: IPv4-only TVs and a console seen only on a carrier's
    address join the DS-Lite home whose phones use that address in the hours they are on their
    /64 (the console also after an evening at a friend's; home 0's TV also when a guest's phone
    uses home 1's carrier address from home 1's /64); the TV of one of two homes that stay on one
    address stays unassigned, as in the pure core (the same memberships, confidences and evidence)."""
    table, run, _, _ = casebook
    assert set(_of(f"dslite-{visitor}", table.device_keys[run.joined_alone])) == {"d0-tv", "d3-tv", "d3-con"}


def test_a_device_seen_once_alone_in_its_households_stay_joins_it_on_spark_as_in_the_pure_core(casebook):
    """``graph.households.attach.lease_households`` on Spark: a laptop used once at noon, alone,
    while the address was household a's joins a; two devices seen once in one window (a party on
    b's address) join no one, as in the pure core (the same memberships, confidences, evidence)."""
    table, run, _, _ = casebook
    assert set(_of("once", table.device_keys[run.joined_alone])) == {"a-lap"}
    code = {str(k): i for i, k in enumerate(table.device_keys.tolist())}
    assert all(run.labels[code[f"once/{d}"]] < 0 for d in ("x", "y"))


def test_a_key_that_is_many_devices_is_no_evidence_on_spark_as_in_the_pure_core(casebook):
    """``graph.households.shared_keys`` on Spark: an app's placeholder MAC logged in eight homes at
    once every other evening ties none of them together and stays unassigned as a shared key, as
    in the pure core; social links read the networks without it too."""
    _, _, out, _ = casebook
    mine = [m for m in out["memberships"] if m["device"].startswith("placeholder/")]
    assert len({m["household_id"] for m in mine}) == 8
    assert {"device": "placeholder/02:00", "reason": "shared_key", "home_windows": 0} in out["unassigned"]
    links, _ = _case_links(casebook, "placeholder")
    assert len(links) == 1


def test_a_host_seen_one_evening_hosts_no_one_on_spark_as_in_the_pure_core(casebook):
    """``graph.leases.resident_hosts`` on Spark: two guests meeting twice where neither lives make
    no link; with one window enough to live somewhere, both engines make the same one."""
    assert _case_links(casebook, "evening")[0] == []
    assert len(_case_links(casebook, "evening", "one-window")[0]) == 1


def test_a_ds_lite_phone_visiting_a_carrier_home_visits_on_spark_as_in_the_pure_core(casebook):
    """A DS-Lite street (tests.unit.test_graph_worlds.ds_lite_street) where home 5's phone, behind
    its home's carrier address most days, spends one late evening behind home 0's address: a visit
    to home 0 (with home 0's phone once at home 5's, a link), not a night home 5 lived there."""
    links, members = _case_links(casebook, "visiting")
    assert [(x["visits"], x["evidence"]["cgnat_visits"]) for x in links] == [(2, 1)]
    assert {members[d] for d in ("d0-ph", "d5-ph")} == {links[0]["household_a"], links[0]["household_b"]}


def test_a_weekend_at_a_friends_is_a_visit_on_spark_as_in_the_pure_core(casebook):
    """A phone's 52 hours at a friend's (a weekend inside the host's stay) is a visit on both
    engines; the same stay by another home's TV is none (``HouseholdParams.carried_types``: the
    device type reaches the pandas UDF): one link, a-b. Two homes tied by a guest's phone are cut
    apart between their TVs (``graph.households.apart``) on both engines."""
    table, run, _, _ = casebook
    code = {str(k): i for i, k in enumerate(table.device_keys.tolist())}
    label = lambda d: run.labels[code[f"weekend/{d}"]]
    assert label("p-ph") == label("p-tv") != label("q-tv")
    links, members = _case_links(casebook, "weekend")
    assert [{x["household_a"], x["household_b"]} for x in links] == [{members["a-ph"], members["b-tv"]}]


def test_carrier_link_pairs_on_spark_equal_the_pure_core(spark):
    """The posterior of links seen only behind carriers (graph.carrier_links) on random visits:
    the same pairs pass on Spark as in the pure core, at two posteriors."""
    from graph.carrier_links import carrier_link_pairs as pure_pairs
    from graph.params import SocialParams
    from graph.spark.carrier_links import carrier_link_pairs

    rng = random.Random(11)
    rows = []
    for _ in range(300):  # 60 households, 31 addresses, 300-313 households behind carriers a day
        a, c = rng.sample(range(60), 2)
        day = rng.randint(0, 13)
        rows.append((a, c, 2 * day + rng.randint(0, 1), rng.randint(0, 30), 300 + day))
    cols = [np.array(x) for x in zip(*rows)]
    df = spark.createDataFrame(
        [(a, c, w, f"n{n:03d}", nd) for a, c, w, n, nd in rows],  # keys sort like the pure core's codes
        "hh long, host long, window long, network string, n_day long",
    )
    for posterior in (0.5, 0.9):
        sp = SocialParams(carrier_link_posterior=posterior)
        want = pure_pairs(cols[0], cols[1], cols[2] // 2, cols[3], cols[4], 60, sp)
        got = {(r["lo"], r["hi"]) for r in carrier_link_pairs(df, 60, sp).collect()}
        assert got == want
        assert 5 <= len(want) <= 30  # of 250-odd named pairs: some pass, most not


def _assignment(out: dict) -> dict[str, str]:
    return {m["device"]: m["household_id"] for m in out["memberships"]}


def _assert_same_answer(out: dict, run, table) -> None:
    """Spark's output equals the pure core's run on the same presence table, field for field."""
    pure = household_rows(run)
    a, b = _assignment(pure), _assignment(out)
    assert pair_f1(a, b) >= 0.999
    assert a == b  # the same ids: a fresh id is a hash of the members
    assert [(m["device"], m["confidence"], m["evidence"]) for m in out["memberships"]] == [
        (m["device"], m["confidence"], m["evidence"]) for m in pure["memberships"]
    ]
    keys = ("household_id", "size", "devices", "anchor_device", "device_types", "home_networks", "confidence")
    hh = sorted(out["households"], key=lambda h: h["household_id"])
    assert [tuple(h[k] for k in keys) for h in hh] == [tuple(h[k] for k in keys) for h in pure["households"]]
    reasons = lambda rows: sorted((u["device"], u["reason"], u["home_windows"]) for u in rows)
    assert reasons(out["unassigned"]) == reasons(pure["unassigned"])
    # households come in the pure core's label order (stable-id tie-breaks depend on it)
    assert [h["devices"] for h in out["households"]] == [
        table.device_keys[np.flatnonzero(run.labels == lab)].tolist() for lab in range(run.k)
    ]


def test_large_star_small_star_components_equal_networkx(spark):
    rng = random.Random(7)
    G = nx.gnm_random_graph(120, 100, seed=7)
    G.add_edges_from((rng.randrange(1000, 1060), rng.randrange(1000, 1060)) for _ in range(50))
    nx.add_path(G, [2000 + (i * 7) % 12 for i in range(12)])  # a path, numbered out of order
    G.remove_edges_from(nx.selfloop_edges(G))
    edges = spark.createDataFrame([(int(u), int(v)) for u, v in G.edges], "u long, v long")
    got = {r["node"]: r["component"] for r in connected_components(edges).collect()}
    want = {n: min(c) for c in nx.connected_components(G) for n in c if G.degree(n) > 0}
    assert got == want


@pytest.fixture
def client(neo4j_driver, services, clean_db, small_world) -> GraphClient:
    c = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    migrate(c)
    ingested(c, small_world)
    return c


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hausgraph", *args],
        cwd=REPO,
        env={**(env or os.environ), "COLUMNS": "400"},  # one message, one line (no wrapping)
        capture_output=True,
        text=True,
        timeout=300,
    )


def _neo4j_env(services) -> dict[str, str]:
    return {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
    }


def test_spark_equals_the_pure_core_from_export_to_import(spark, client, services, tmp_path):
    """export presence (CLI) → Spark → the pure core's answer → import: the stored ids stay."""
    presence = tmp_path / "presence"
    done = _cli("export", "presence", "--out", str(presence), env=_neo4j_env(services))
    assert done.returncode == 0, done.stderr
    rows = presence_rows(client)
    assert pq.read_table(presence).num_rows == len(rows) > 0
    same = GraphParams()  # the real defaults: Spark applies every param
    run_job(client, "households", same)  # the pure core, as stored today
    before = current_assignment(client)
    assert len(set(before.values())) >= 40

    counts = run_spark_households(spark, str(presence), str(tmp_path / "out"))
    out = read_output(tmp_path / "out")
    assert counts["households"] == len(out["households"])
    run = run_households(rows, same.households)
    _assert_same_answer(out, run, run.table)

    done = _cli("import", "memberships", str(tmp_path / "out"), env=_neo4j_env(services))
    assert done.returncode == 0, done.stderr
    assert current_assignment(client) == before  # stable-id matching against the stored run
    run_rec = client.read("jobs/read_runs", job="households", limit=1)[0]["run"]
    assert run_rec["status"] == "succeeded"
    assert json.loads(run_rec["counts"])["lineage"] == {"same": len(set(before.values()))}

    # social links: Spark's (between the run's fresh ids) land between the stored households
    run_job(client, "social", same)
    want = _stored_links(client)
    assert len(want) >= 1
    run_spark_social(spark, str(presence), str(tmp_path / "out"), same.social, same.households)
    client.run_write("jobs/delete_stale_links", run="none")  # drop the local job's links
    assert _stored_links(client) == []
    done = _cli("import", "links", str(tmp_path / "out"), env=_neo4j_env(services))
    assert done.returncode == 0, done.stderr
    assert _stored_links(client) == want


def _stored_links(client) -> list[tuple]:
    rows = client.read("export/read_link_export")
    return sorted(tuple(sorted(r.items())) for r in rows)


def _one_error_line(done: subprocess.CompletedProcess, *words: str) -> None:
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_bad_input_ends_in_one_clear_line(spark, tmp_path):
    run = ("jobs", "run", "households", "--engine", "spark", "--output", str(tmp_path / "out"))
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_error_line(_cli(*run, "--input", str(empty)), "empty")
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    pq.write_table(pa.table({"device": ["d"], "hour": ["noon"]}), wrong / "part-0.parquet")
    _one_error_line(_cli(*run, "--input", str(wrong)), "schema mismatch", "missing column network")
    ok = tmp_path / "ok"
    write_presence([{"device": "d", "device_type": "tv", "network": "n", "hour": 0, "events": 1}], ok)
    no_java = {**os.environ, "JAVA_HOME": str(tmp_path / "no-jdk"), "PATH": str(Path(sys.executable).parent)}
    _one_error_line(_cli(*run, "--input", str(ok), env=no_java), "java is not available")
    _one_error_line(_cli("import", "memberships", str(empty)), "not a household job output")
    # social: the presence as above, and the memberships of a household run in --output
    social = ("jobs", "run", "social", "--engine", "spark", "--input")
    _one_error_line(_cli(*social, str(empty), "--output", str(ok)), "empty")
    _one_error_line(_cli(*social, str(wrong), "--output", str(ok)), "schema mismatch")
    _one_error_line(_cli(*social, str(ok), "--output", str(empty)), "no memberships/")
    hh = tmp_path / "hh"
    (hh / "memberships").mkdir(parents=True)
    pq.write_table(pa.table({"device": ["d"], "household": ["h"]}), hh / "memberships" / "part-0.parquet")
    _one_error_line(_cli(*social, str(ok), "--output", str(hh)), "memberships", "missing column household_id")
    pq.write_table(pa.table({"device": ["d"], "household_id": ["h"]}), hh / "memberships" / "part-0.parquet")
    _one_error_line(_cli(*social, str(ok), "--output", str(hh), env=no_java), "java is not available")
    _one_error_line(_cli("import", "links", str(empty)), "not a social job output")
    _one_error_line(_cli("import", "links", str(tmp_path / "nowhere")), "no such directory")
    # Spark's own reader says the same for paths the CLI cannot look into (cluster URLs)
    with pytest.raises(InputInvalid, match="empty"):
        read_presence(spark, str(_empty_parquet(tmp_path / "zero")))
    with pytest.raises(InputInvalid, match="schema mismatch"):
        read_presence(spark, str(wrong))


def _empty_parquet(path: Path) -> Path:
    path.mkdir()
    write_presence([], path)
    return path


def test_missing_pyspark_is_named(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    with pytest.raises(SparkUnavailable, match="pyspark is not available"):
        check_engine()


def test_dense_codes_are_the_rank_of_the_sorted_key(spark):
    keys = sorted({f"k{random.Random(3).randrange(10**6) + i * 7919}" for i in range(500)})
    df = spark.createDataFrame([(k,) for k in reversed(keys)], "device string")
    got = sorted((r["dev"], r["device"]) for r in dense_codes(df, "device", "dev").collect())
    assert got == list(enumerate(keys))
