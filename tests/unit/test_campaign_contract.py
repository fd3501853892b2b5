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
