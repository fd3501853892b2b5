"""Campaign records (contract §5): parse_campaign agrees with campaign.schema.json and gives reasons."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ingest.batch import SourceRecord, prepare
from ingest.campaigns import DEFAULT_CAP, campaign_rows, parse_campaign
from ingest.contracts import schema
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer

VALID = {
    "campaign_id": "cmp-01",
    "advertiser": "Acme",
    "name": "Black Friday",
    "start": "2026-11-20T00:00:00Z",
    "end": "2026-11-30T00:00:00+01:00",
    "budget": 1000,
    "currency": "EUR",
    "cost_model": "cpm",
    "rate": 5.0,
    "frequency_cap": {"max": 3, "window_s": 3600, "per": "household"},
    "age_min": 16,
    "avoid_contexts": ["kids"],
    "prefer_contexts": ["sports"],
    "device_split": {"tv": 0.5, "phone": 0.3, "tablet": 0.2},
}
_MISSING = object()


def _rec(**over) -> bytes:
    obj = {k: v for k, v in {**VALID, **over}.items() if v is not _MISSING}
    return json.dumps(obj).encode()


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema("campaign"), format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    "raw",
    [
        _rec(),
        _rec(frequency_cap=_MISSING, device_split=_MISSING, advertiser=_MISSING, currency=_MISSING),
        _rec(cost_model="cpc", rate=0.4, extra_field={"ignored": True}),
        _rec(device_split={"tv": 1}),
        _rec(frequency_cap={"max": 1, "window_s": 86400}),
    ],
)
def test_schema_valid_records_parse(raw):
    assert _validator().is_valid(json.loads(raw))
    rec = parse_campaign(raw)
    assert rec.campaign_id == "cmp-01" and rec.end_ms > rec.start_ms


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_rec(campaign_id=_MISSING), "missing_field"),
        (_rec(start=_MISSING), "missing_field"),
        (_rec(budget=-1), "bad_value"),
        (_rec(budget="1000"), "wrong_type"),
        (_rec(cost_model="cpv"), "bad_value"),
        (_rec(rate=_MISSING), "missing_field"),
        (_rec(currency="eur"), "bad_value"),
        (_rec(frequency_cap={"max": 0, "window_s": 60}), "bad_value"),
        (_rec(frequency_cap={"max": 1}), "bad_value"),  # nested: the detail names the field
        (_rec(frequency_cap={"max": 1, "window_s": 60, "per": "person"}), "bad_value"),
        (_rec(age_min=19), "bad_value"),
        (_rec(device_split={"fridge": 1}), "bad_value"),
        (_rec(start="yesterday"), "bad_ts"),
        (_rec(campaign_id=""), "bad_value"),
    ],
)
def test_schema_invalid_records_are_rejected_with_a_reason(raw, reason):
    assert not _validator().is_valid(json.loads(raw))
    with pytest.raises(InvalidRecord) as err:
        parse_campaign(raw)
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_rec(end="2026-11-19T00:00:00Z"), "bad_flight"),
        (_rec(end=VALID["start"]), "bad_flight"),
        (_rec(device_split={"tv": 0.5, "phone": 0.3}), "bad_split"),
    ],
)
def test_rules_beyond_the_schema_have_their_own_reasons(raw, reason):
    assert _validator().is_valid(json.loads(raw))  # the schema cannot say these
    with pytest.raises(InvalidRecord) as err:
        parse_campaign(raw)
    assert err.value.reason == reason


def test_the_cost_formulas_on_hand_made_numbers():
    cpm = parse_campaign(_rec())
    assert cpm.spend(200_000, 500, 25) == pytest.approx(1000.0)
    assert parse_campaign(_rec(cost_model="cpc", rate=2)).spend(200_000, 500, 25) == pytest.approx(1000.0)
    assert parse_campaign(_rec(cost_model="cpa", rate=40)).spend(200_000, 500, 25) == pytest.approx(1000.0)
    assert parse_campaign(_rec(frequency_cap=_MISSING)).cap == DEFAULT_CAP


def test_prepare_keeps_the_last_record_per_campaign_and_dead_letters_the_bad():
    recs = [
        SourceRecord("campaign", _rec(budget=10), "campaigns", 0, 0),
        SourceRecord("campaign", _rec(end="2026-01-01T00:00:00Z"), "campaigns", 0, 1),
        SourceRecord("campaign", _rec(budget=20, frequency_cap=_MISSING), "campaigns", 0, 2),
        SourceRecord("campaign", b"not json", "campaigns", 0, 3),
    ]
    prep = prepare(recs, Pseudonymizer("s"), 1_793_700_000_000)
    assert prep.valid == 2 and prep.valid_views == 0
    assert dict(prep.dead_by_reason) == {"bad_flight": 1, "not_json": 1}
    [row] = prep.campaigns
    assert row["budget"] == 20.0 and row["cap_default"] and row["cap_max"] == DEFAULT_CAP.max
    assert campaign_rows([]) == []


def test_the_one_generator_of_campaign_records_serves_both_features():
    """generator.campaigns is the only source of campaign records (activation and campaign reports):
    every record but the invalid one passes the contract, the replacement keeps the decision rules."""
    from generator.campaigns import INVALID_CAMPAIGN, campaign_lines, valid_campaign_records
    from generator.params import WorldParams

    params = WorldParams(households=5, days=14, seed=4)
    lines, keys = campaign_lines(params)
    parsed, reasons = {}, []
    for line, key in zip(lines, keys):
        assert json.loads(line)["campaign_id"].encode() == key
        try:
            parsed[key.decode()] = parse_campaign(line)
            assert not list(_validator().iter_errors(json.loads(line)))
        except InvalidRecord as err:
            reasons.append((key.decode(), err.reason))
    assert reasons == [(INVALID_CAMPAIGN, "bad_split")]
    assert sorted(parsed) == [r["campaign_id"] for r in valid_campaign_records(params)]
    # the activation rules and the report's variety both hold on the kept records
    assert parsed["cmp-00"].prefer_contexts == ["cooking"] and parsed["cmp-01"].age_min == 18
    assert parsed["cmp-04"].end_ms <= params.start_ms < parsed["cmp-07"].end_ms
    assert {r.cost_model for r in parsed.values()} == {"cpm", "cpc", "cpa"}
    world_end = params.day_start_ms(params.days)
    assert any(params.start_ms < r.end_ms < world_end for r in parsed.values())  # ends inside the world
