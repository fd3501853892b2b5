"""Unit tests of the synthetic world generator (no services)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from generator.baselines import baseline_households_csv
from generator.dirty import MALFORMED
from generator.evaluate import evaluate_files, score_households
from generator.params import WorldParams
from generator.pipeline import Generation
from generator.run import generate_to_dir
from ingest.contract import parse_view
from ingest.contracts import schema as contract_schema
from ingest.errors import InvalidRecord

NOW_MS = 1_795_392_000_000  # 2026-11-23, the processing clock of the ingester


def _validator(name: str) -> Draft202012Validator:
    schema = contract_schema(name.removesuffix(".schema.json"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, dict, dict]:
    out = tmp_path_factory.mktemp("world")
    truth, stats = generate_to_dir(WorldParams(households=120, days=7, seed=5, malformed_rate=0.02), out)
    return out, truth, stats


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for out, seed in ((a, 3), (b, 3), (c, 4)):
        generate_to_dir(WorldParams(households=15, days=2, seed=seed), out, gzip=True)
    for name in ("events.jsonl.gz", "content.jsonl", "truth.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "events.jsonl.gz").read_bytes() != (c / "events.jsonl.gz").read_bytes()


def test_every_malformed_kind_is_counted_and_rejected_with_its_reason(world):
    out, truth, _ = world
    counts = truth["counts"]
    assert set(counts["malformed_by_kind"]) == set(MALFORMED)
    assert all(n > 0 for n in counts["malformed_by_kind"].values())
    reasons: dict[str, int] = {}
    valid = 0
    for line in _lines(out / "events.jsonl"):
        try:
            parse_view(line, NOW_MS)
            valid += 1
        except InvalidRecord as err:
            reasons[err.reason] = reasons.get(err.reason, 0) + 1
    assert reasons == {k: v for k, v in counts["malformed_by_reason"].items() if v}
    assert valid == counts["valid"] + counts["duplicates"] + counts["bid_copies"]
    assert valid + sum(reasons.values()) == counts["lines"]


def test_malformed_kind_gives_expected_reason_each():
    import numpy as np

    from generator.dirty import malformed_line

    rng = np.random.default_rng(0)
    tpl = {
        "ts": "2026-10-02T19:04:11Z",
        "ip": "91.64.1.2",
        "mac": "a4:5e:60:0f:12:9c",
        "event": "view",
        "content_id": "mov-00001",
        "duration_s": 12.0,
    }
    for kind, reason in MALFORMED.items():
        for _ in range(5):
            with pytest.raises(InvalidRecord) as err:
                parse_view(malformed_line(tpl, kind, rng, 1_924_992_000_000), NOW_MS)
            assert err.value.reason == reason, kind


def test_valid_lines_match_schema_and_parse(world):
    out, _, _ = world
    v = _validator("view-event.schema.json")
    n = 0
    for line in _lines(out / "events.jsonl"):
        try:
            ev = parse_view(line, NOW_MS)
        except InvalidRecord:
            continue
        obj = orjson.loads(line)
        errors = list(v.iter_errors(obj))
        assert not errors, (line, errors[0].message)
        assert ev.mac
        n += 1
        if n >= 20_000:
            break
    assert n == 20_000


def _json_or_none(line: bytes):
    """A malformed line (truncated JSON) may start with ``{`` too."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def test_mixed_notations_are_emitted(world):
    out, _, _ = world
    sample = [_json_or_none(x) for x in _lines(out / "events.jsonl")[:5000] if x.startswith(b"{")]
    sample = [o for o in sample if isinstance(o, dict) and isinstance(o.get("mac"), str)]
    ts_kinds = {
        ("int" if isinstance(o["ts"], int) else o["ts"][-6:] if "+" in str(o["ts"]) else "Z")
        for o in sample
        if o.get("ts") is not None
    }
    assert {"int", "Z", "+01:00", "+02:00"} <= ts_kinds

    def notation(mac: str) -> str:
        return "colon" if ":" in mac else "dash" if "-" in mac else "dot" if "." in mac else "bare"

    assert {notation(o["mac"]) for o in sample} == {"colon", "dash", "dot", "bare"}
    assert any("event_id" in o for o in sample) and any("event_id" not in o for o in sample)


def test_catalog_matches_content_schema(world):
    out, _, _ = world
    v = _validator("content.schema.json")
    lines = _lines(out / "content.jsonl")
    assert len(lines) > 3000
    for line in lines:
        assert not list(v.iter_errors(orjson.loads(line)))


def test_world_stats_are_plausible(world):
    _, truth, stats = world
    loc = stats["events_by_location"]
    assert sum(loc["tv"].values()) == loc["tv"]["home"] > 0
    assert loc["phone"]["office"] > 0 and loc["phone"]["mobile"] > 0 and loc["phone"]["visit"] > 0
    assert stats["homes_per_cgnat_address"]["max"] >= 5
    assert stats["devices_per_office_ip"]["max"] >= 5
    assert stats["homes_per_home_ipv4"]["max"] >= 2  # dynamic addresses get reused by other homes
    sizes = [len(h["persons"]) for h in truth["households"]]
    assert min(sizes) == 1 and max(sizes) >= 5
    assert any(p["visits"] >= 2 for p in truth["social_pairs"])
    assert all(0 <= p["seen_visits"] <= p["visits"] for p in truth["social_pairs"])
    assert any(p["seen_visits"] >= 2 for p in truth["social_pairs"])
    assert set(stats["events_by_kind"]) == {"view", "impression", "click", "search", "conversion", "bookmark"}


def test_truth_keys_match_pseudonymizer(world):
    from ingest.pseudonym import DEMO_SECRET, Pseudonymizer

    _, truth, _ = world
    p = Pseudonymizer(DEMO_SECRET)
    for d in truth["devices"][:50]:
        assert p.mac(d["mac"]) == d["key"]
        assert truth["device_household_by_key"][d["key"]] == d["household"]


def test_baseline_scores_badly_and_perfect_export_scores_one(world, tmp_path):
    out, truth, _ = world
    csv_path = tmp_path / "baseline.csv"
    baseline_households_csv(out / "events.jsonl", csv_path, WorldParams().secret)
    base = evaluate_files(truth, csv_path)
    assert base.pair_f1 < 0.3 and base.ari < 0.3
    perfect = tmp_path / "perfect.csv"
    perfect.write_text(
        "device_key,household_id,confidence\n"
        + "".join(f"{d['key']},{d['household']},1.0\n" for d in truth["devices"])
    )
    links = tmp_path / "links.csv"
    links.write_text(
        "household_a,household_b,weight,evidence\n"
        + "".join(f"{p['a']},{p['b']},1,visits\n" for p in truth["social_pairs"] if p["seen_visits"] >= 2)
    )
    s = evaluate_files(truth, perfect, links)
    assert (s.pair_f1, s.ari, s.exact_households, s.link_precision, s.link_recall) == (
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
    )
    scheduled = evaluate_files(truth, perfect, links, seen_only=False)  # unseen visits count as misses
    assert scheduled.link_precision == 1.0 and scheduled.link_recall < 1.0


def test_score_households_small_cases():
    t = {"a": "H1", "b": "H1", "c": "H2", "d": "H2"}
    s = score_households(t, {"a": "x", "b": "x"})  # c, d missing: singletons
    assert (s.pair_precision, s.pair_recall, s.exact_households) == (1.0, 0.5, 0.5)
    s = score_households(t, {k: "all" for k in t})
    assert s.pair_recall == 1.0 and s.pair_precision == pytest.approx(2 / 6) and s.ari == 0.0


def test_generation_chunks_count_lines():
    g = Generation(WorldParams(households=10, days=2, seed=9))
    assert sum(len(c.lines) for c in g.chunks()) == g.counts["lines"]
    c = g.counts
    assert c["lines"] == c["valid"] + c["duplicates"] + c["malformed"] + c["bid_copies"]


def test_cli_generate_and_evaluate(tmp_path):
    import typer
    from typer.testing import CliRunner

    from hausgraph.cli.generate import evaluate, generate

    app = typer.Typer()
    app.command("generate")(generate)
    app.command("evaluate")(evaluate)
    r = CliRunner().invoke(
        app, ["generate", "--households", "8", "--days", "1", "--out", str(tmp_path), "--secret", "s3cret"]
    )
    assert r.exit_code == 0, r.output
    truth = json.loads((tmp_path / "truth.json").read_text())
    csv_path = tmp_path / "h.csv"
    csv_path.write_text(
        "device_key,household_id,confidence\n"
        + "".join(f"{d['key']},{d['household']},1\n" for d in truth["devices"])
    )
    r = CliRunner().invoke(
        app, ["evaluate", "--truth", str(tmp_path / "truth.json"), "--households", str(csv_path), "--json"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["ari"] == 1.0


def test_variants_change_what_they_say():
    from generator.networks import HOME_KINDS
    from generator.params import variant_params
    from generator.world import build_world

    base = build_world(WorldParams(households=400, days=1, seed=3))
    cg = build_world(variant_params("more-cgnat", households=400, days=1, seed=3))
    share = lambda w: float((w.net.home_kind == HOME_KINDS.index("cgnat")).mean())
    assert share(cg) > 1.6 * share(base)
    work = build_world(variant_params("more-workplaces", households=400, days=1, seed=3))
    assert len(set(work.person_office[work.person_office >= 0].tolist())) > 2 * len(
        set(base.person_office[base.person_office >= 0].tolist())
    )
    v6 = build_world(variant_params("daily-ipv6", households=400, days=1, seed=3))
    ipv6 = v6.net.home_kind == HOME_KINDS.index("ipv6")
    assert ipv6.mean() > 0.28 and set(v6.net.home_phase[ipv6].tolist()) == {1}


def test_unknown_variant_and_bad_mix_are_refused():
    from generator.params import variant_params

    with pytest.raises(ValueError, match="unknown world variant"):
        variant_params("mars")
    with pytest.raises(ValueError, match="home_mix"):
        WorldParams(home_mix=(0.5, 0.5, 0.5, 0.0, 0.0))
    with pytest.raises(ValueError, match="at least 4 days"):
        variant_params("movers", days=2)


def test_dual_stack_devices_fall_back_to_ipv4_in_ds_lite_homes():
    """IPv6 homes' dual-stack devices send some requests over the shared IPv4 (AFTR) address."""
    import ipaddress

    from generator.networks import HOME_KINDS

    g = Generation(WorldParams(households=60, days=2, seed=4, ipv4_fallback_rate=0.2))
    w = g.world
    fams: dict[int, set[int]] = {}
    for day in range(2):
        ev, table, aid, _ = g.simulate(day)
        home = (ev.loc_kind == 0) & (w.net.home_kind[ev.loc] == HOME_KINDS.index("ipv6"))
        for d, a in zip(ev.dev[home].tolist(), aid[home].tolist()):
            fams.setdefault(d, set()).add(ipaddress.ip_address(table[a]).version)
    dual = [d for d, f in fams.items() if not w.net.dev_v4only[d]]
    assert dual and sum(fams[d] == {4, 6} for d in dual) > 0.5 * len(dual)
    assert all(fams[d] == {4} for d in fams if w.net.dev_v4only[d])


def test_dense_pools_are_small_full_and_hand_addresses_back():
    """dense-pools: regional pools of ~100-150 homes used at >= 80 %, leases renewed at varying
    hours, addresses coming back to earlier holders within the week, CGNAT carriers of several sizes."""
    import numpy as np

    from generator.networks import NetworkState
    from generator.params import variant_params
    from generator.world import build_world

    w = build_world(variant_params("dense-pools", households=600, days=7, seed=5))
    dp = w.net.dense
    homes = [int((dp.region == r).sum()) for r in range(len(dp.pools))]
    assert all(90 <= h <= 160 for h in homes)
    assert all(h / len(pool) >= 0.8 for h, pool in zip(homes, dp.pools))
    assert len({len(p) for p in dp.cg_pools}) >= 2
    state = NetworkState(w.net)
    held: dict[int, list[str]] = {}
    hours = set()
    for day in range(7):
        state.advance(day)
        hours |= set((state.lease_ms[dp.region >= 0] // 3_600_000).tolist())
        for h in np.flatnonzero(dp.region >= 0).tolist():
            held.setdefault(h, []).append(state.v4_cur[h])
        # one address per home at a time within a region
        for r in range(len(dp.pools)):
            cur = [state.v4_cur[h] for h in np.flatnonzero(dp.region == r)]
            assert len(cur) == len(set(cur))
    assert len(hours) >= 3
    back = sum(any(seq[i] in seq[: i - 1] for i in range(2, len(seq))) for seq in held.values())
    assert back > 0.1 * len(held)


def test_movers_change_households_on_their_day_and_truth_records_it():
    """movers: a single moves in with another (join), then a person moves out into the freed
    line (leave) or a whole home moves onto it (home: new ISP/address, same household)."""
    from generator.params import variant_params
    from generator.truth import build_truth, households_on_day

    g = Generation(variant_params("movers", households=80, days=8, seed=2))
    w = g.world
    assert {m.kind for m in w.moves} >= {"join"} and all(4 <= m.day < 8 for m in w.moves)
    seen_at: dict[tuple[int, int], set[int]] = {}  # (device, day) -> household slots it used at home
    for day in range(8):
        ev, _, _, _ = g.simulate(day)
        home = ev.loc_kind == 0
        for d, h in zip(ev.dev[home].tolist(), ev.loc[home].tolist()):
            seen_at.setdefault((d, day), set()).add(h)
    for m in w.moves:
        dev = m.devices[0]
        before = set().union(*(seen_at.get((dev, x), set()) for x in range(m.day)))
        after = set().union(*(seen_at.get((dev, x), set()) for x in range(m.day, 8) if x >= m.day))
        assert m.src in before and m.dst in after and m.src not in after, m
    truth = build_truth(g)
    end = truth["device_household_by_key"]
    start = households_on_day(truth, 0)
    for m in truth["moves"]:
        for k in m["devices"]:
            assert end[k] == m["to"] and start[k] == m["from"]
            assert (m["kind"] == "home") == (m["from"] == m["to"])  # a home that moves stays itself
    join = next(m for m in truth["moves"] if m["kind"] == "join")
    mates = {k for k, h in end.items() if h == join["to"]} - set(join["devices"])
    assert mates and all(start[k] == join["to"] for k in mates)  # they moved in with a real home
    # friendships follow the people: a home that moved keeps its friends under its own id
    ids = {h["id"] for h in truth["households"]}
    assert all(x["a"] in ids and x["b"] in ids for x in truth["social_pairs"])
    home = {m["to"] for m in truth["moves"] if m["kind"] == "home"}
    assert home & {x[k] for x in truth["social_pairs"] for k in "ab"}
    assert build_world_moves("default") == []


def build_world_moves(variant: str) -> list:
    from generator.params import variant_params
    from generator.world import build_world

    return build_world(variant_params(variant, households=80, days=8, seed=2)).moves


def test_carrier_groups_move_an_address_s_homes_together():
    """carrier-groups: some nights a carrier address's homes all move to one new address together
    (co-residents follow each other), far more often than homes remapped one by one meet again."""
    import itertools

    import numpy as np

    from generator.networks import HOME_KINDS, NetworkState
    from generator.params import variant_params
    from generator.world import build_world

    def nights(name: str):
        w = build_world(variant_params(name, households=400, days=8, seed=6))
        carrier = np.flatnonzero(
            np.isin(w.net.home_kind, [HOME_KINDS.index("cgnat"), HOME_KINDS.index("ipv6")])
        )
        state, seq = NetworkState(w.net), []
        for day in range(8):
            state.advance(day)
            seq.append([state.v4_cur[h] for h in carrier.tolist()])
        return seq

    def followed(seq) -> int:
        """Pairs of homes sharing an address that share the next night's new address too."""
        n = 0
        for a, b in itertools.pairwise(seq):
            for i in range(len(a)):
                for j in range(i + 1, len(a)):
                    n += a[i] == a[j] and b[i] == b[j] != a[i]
        return n

    grouped, plain = nights("carrier-groups"), nights("default")
    assert followed(grouped) > 5 * max(followed(plain), 1)
    with pytest.raises(ValueError, match="carrier_group_remap"):
        WorldParams(carrier_group_remap=1.5)


def test_placeholder_macs_put_one_key_in_many_homes_and_change_no_other_world():
    """placeholder-macs: a fifth of phones and tablets send the system's placeholder MAC on some
    events, so one MAC is seen in many homes; a world without the variant has none."""
    import orjson

    from generator.params import variant_params
    from generator.render import PLACEHOLDER_MAC

    def lines(name: str) -> list[bytes]:
        return [
            x
            for c in Generation(variant_params(name, households=40, days=2, seed=3)).chunks()
            for x in c.lines
        ]

    blind = [orjson.loads(x) for x in lines("placeholder-macs") if PLACEHOLDER_MAC.encode() in x]
    assert len({o["ip"] for o in blind}) >= 10 and {o.get("device_type") for o in blind} <= {
        "phone",
        "tablet",
        None,
    }
    assert not any(PLACEHOLDER_MAC.encode() in x for x in lines("default"))


def test_quiet_v4_homes_reach_the_carrier_address_only_through_their_ipv4_only_devices():
    """quiet-v4: in half the DS-Lite homes the dual-stack devices never use IPv4, so at home they
    are seen on their /64 only; in the other homes (and without the variant) they fall back to the
    carrier's address now and then."""
    import numpy as np

    def at_home_v4(share: float) -> tuple[int, int]:
        """(IPv4 events at home of dual-stack devices in quiet homes, in the other DS-Lite homes)"""
        gen = Generation(WorldParams(households=60, days=3, seed=3, quiet_v4_share=share))
        plan, quiet, other = gen.net.plan, 0, 0
        for day in range(3):
            ev, table, aid, _ = gen.simulate(day)
            sel = (ev.loc_kind == 0) & (plan.home_kind[ev.loc] == 4) & ~plan.dev_v4only[ev.dev]
            v4 = np.array([":" not in table[a] for a in aid[sel]], dtype=bool)
            q = plan.quiet_v4[ev.loc[sel]] if plan.quiet_v4 is not None else np.zeros(len(v4), bool)
            quiet, other = quiet + int((v4 & q).sum()), other + int((v4 & ~q).sum())
        return quiet, other

    assert at_home_v4(0.0)[0] == 0 and at_home_v4(0.0)[1] > 0
    quiet, other = at_home_v4(0.5)
    assert quiet == 0 and other > 0
    with_quiet = Generation(WorldParams(households=60, days=3, seed=3, quiet_v4_share=0.5)).net.plan
    assert 0 < with_quiet.quiet_v4[with_quiet.home_kind == 4].mean() < 1
    with pytest.raises(ValueError, match="quiet_v4_share"):
        WorldParams(quiet_v4_share=1.5)


def test_weekend_away_devices_spend_the_last_two_days_at_another_home():
    """weekend-away: some phones, tablets and laptops are seen at home only at another household's
    home on the world's last two days (a visit, kind 4), and at their own before."""
    import numpy as np

    from generator.world import FORMS

    gen = Generation(WorldParams(households=60, days=4, seed=3, weekend_away_share=0.3))
    away = gen.weekend_host >= 0
    assert (
        away.any()
        and np.isin(gen.world.dev_form[away], [FORMS.index(f) for f in ("phone", "tablet", "laptop")]).all()
    )
    assert (gen.weekend_host[away] != gen.world.dev_home[away]).all()
    for day in range(4):
        ev, *_ = gen.simulate(day)
        mine = away[ev.dev]
        if day < 2:
            assert (ev.loc_kind[mine] == 0).any()
        else:
            assert not (ev.loc_kind[mine] == 0).any()
            at_host = mine & (ev.loc_kind == 4) & (ev.loc == gen.weekend_host[ev.dev])
            assert at_host.any()
    assert (Generation(WorldParams(households=60, days=4, seed=3)).weekend_host < 0).all()
    with pytest.raises(ValueError, match="weekend_away_share"):
        WorldParams(weekend_away_share=-0.1)
