"""The event and content contracts: every valid form accepted, every invalid kind rejected with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ingest.contract import REASONS, normalize_mac, parse_content, parse_view
from ingest.contracts import SCHEMAS, schema_text
from ingest.contracts import schema as contract_schema
from ingest.errors import InvalidRecord

NOW = 1_793_700_000_000  # 2026-11-03T08:40Z
BASE = {"ts": "2026-11-02T19:04:11Z", "ip": "81.2.69.160", "mac": "a4:5e:60:0f:12:9c", "content_id": "show-1"}


def _view(**changes):
    obj = {**BASE, **changes}
    return json.dumps({k: v for k, v in obj.items() if v is not ...}).encode()


def _reason(raw: bytes) -> str:
    with pytest.raises(InvalidRecord) as info:
        parse_view(raw, NOW)
    assert info.value.reason in REASONS
    return info.value.reason


@pytest.mark.parametrize("mac", ["a4:5e:60:0f:12:9c", "A4-5E-60-0F-12-9C", "a45e.600f.129c", "A45E600F129C"])
def test_every_mac_notation_normalizes_to_one_form(mac):
    assert parse_view(_view(mac=mac), NOW).mac == "a4:5e:60:0f:12:9c"


@pytest.mark.parametrize(
    "ts",
    [
        "2026-11-02T19:04:11Z",
        "2026-11-02T20:04:11+01:00",
        "2026-11-02t19:04:11z",
        "2026-11-02T19:04:11.000Z",
        1793646251000,
    ],
)
def test_timestamps_in_every_form_give_the_same_instant(ts):
    assert parse_view(_view(ts=ts), NOW).ts_ms == 1793646251000


def test_ipv6_is_compressed_and_optional_fields_kept():
    ev = parse_view(
        _view(ip="2A02:8071:0:0::1", event="click", content_id=..., ad_id="ad-1", extra={"x": 1}), NOW
    )
    assert ev.ip == "2a02:8071::1" and ev.ipv6 and ev.event == "click" and ev.ad_id == "ad-1"


def test_event_defaults_to_view():
    assert parse_view(_view(), NOW).event == "view"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not_json"),
        (b"\xff\xfe", "not_json"),
        (b"[1, 2]", "not_object"),
        (b'"text"', "not_object"),
        (_view(ts=...), "missing_field"),
        (_view(ip=...), "missing_field"),
        (_view(mac=...), "missing_field"),
        (_view(ts=None), "null_field"),
        (_view(ip=None), "null_field"),
        (_view(mac=None), "null_field"),
        (_view(ts="yesterday"), "bad_ts"),
        (_view(ts="2026-11-02T19:04:11"), "bad_ts"),  # no offset
        (_view(ts="2026-02-30T19:04:11Z"), "bad_ts"),
        (_view(ts=-5), "bad_ts"),
        (_view(ts=True), "wrong_type"),
        (_view(ts=NOW + 3_600_001), "ts_in_future"),
        (_view(ip="300.1.1.1"), "bad_ip"),
        (_view(ip=12), "wrong_type"),
        (_view(ip="10.0.0.1"), "non_public_ip"),
        (_view(ip="192.168.1.5"), "non_public_ip"),
        (_view(ip="127.0.0.1"), "non_public_ip"),
        (_view(ip="169.254.1.1"), "non_public_ip"),
        (_view(ip="224.0.0.1"), "non_public_ip"),
        (_view(ip="0.0.0.0"), "non_public_ip"),
        (_view(ip="::1"), "non_public_ip"),
        (_view(ip="fe80::1"), "non_public_ip"),
        (_view(ip="fd00::1"), "non_public_ip"),
        (_view(mac="a4:5e:60:0f:12"), "bad_mac"),
        (_view(mac="a4:5e-60:0f:12:9c"), "bad_mac"),
        (_view(mac="g4:5e:60:0f:12:9c"), "bad_mac"),
        (_view(mac="00:00:00:00:00:00"), "reserved_mac"),
        (_view(mac="FF-FF-FF-FF-FF-FF"), "reserved_mac"),
        (_view(event="zap"), "bad_event"),
        (_view(content_id=...), "missing_content_id"),
        (_view(event="bookmark", content_id=...), "missing_content_id"),
        (_view(content_id=7), "wrong_type"),
        (_view(content_id=""), "bad_value"),
        (_view(duration_s="10"), "wrong_type"),
        (_view(duration_s=-1), "bad_value"),
        (_view(duration_s=True), "wrong_type"),
        (_view(device_type="fridge"), "bad_value"),
        (_view(source=5), "wrong_type"),
        (_view(pad="x" * 70_000), "too_large"),
        (_view(ad_id=None), "wrong_type"),
        (_view(event_id=None), "wrong_type"),
        (_view(event=None), "wrong_type"),
        (_view(duration_s=float("nan")), "not_json"),
    ],
)
def test_invalid_records_are_rejected_with_their_reason(raw, reason):
    assert _reason(raw) == reason


def test_parser_agrees_with_the_json_schema_on_schema_level_rules():
    schema = contract_schema("view-event")
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for raw in [_view(), _view(event="search", content_id=...), _view(duration_s=0)]:
        assert validator.is_valid(json.loads(raw))
        parse_view(raw, NOW)
    for raw in [_view(event="zap"), _view(content_id=...), _view(duration_s=-1), _view(ts=True)]:
        assert not validator.is_valid(json.loads(raw))
        with pytest.raises(InvalidRecord):
            parse_view(raw, NOW)


def test_content_records():
    rec = parse_content(b'{"content_id": "c1", "genres": ["kids"], "age_rating": 6, "kind": "show", "x": 1}')
    assert rec.genres == ["kids"] and rec.age_rating == 6
    for bad in [
        b'{"title": "no id"}',
        b'{"content_id": "c1", "age_rating": 19}',
        b'{"content_id": "c1", "kind": "opera"}',
        b'{"content_id": "c1", "genres": "kids"}',
        b"[]",
    ]:
        with pytest.raises(InvalidRecord):
            parse_content(bad)


def test_normalize_mac_rejects_non_strings():
    with pytest.raises(InvalidRecord):
        normalize_mac(123)


def test_the_packaged_contracts_equal_the_shared_folder_when_it_is_there() -> None:
    """The package's copy is what the tests read; beside a checkout with ``shared/`` it must match it."""
    shared = Path(__file__).resolve().parents[3] / "shared" / "contracts"
    for name in SCHEMAS:
        json.loads(schema_text(name))  # the copy itself parses, with or without shared/
        original = shared / f"{name}.schema.json"
        if original.exists():
            assert json.loads(original.read_text()) == json.loads(schema_text(name)), name
