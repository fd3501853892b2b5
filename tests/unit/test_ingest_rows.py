"""Pure ingest aggregation: keys, buckets, duplicates, dead letters."""

from __future__ import annotations

import json

from graph.vocabulary import DAY_MS
from ingest.batch import SourceRecord, prepare
from ingest.pseudonym import Pseudonymizer, prefix64

NOW = 1_793_700_000_000
PSEUDO = Pseudonymizer("test-secret")


def _rec(offset: int, **fields) -> SourceRecord:
    obj = {"ts": 1793646251000, "ip": "81.2.69.160", "mac": "a4:5e:60:0f:12:9c", "content_id": "c1", **fields}
    return SourceRecord("view", json.dumps(obj).encode(), "views", 0, offset)


def test_pseudonym_matches_the_contract_formula():
    import hashlib
    import hmac

    want = hmac.new(b"test-secret", b"mac:a4:5e:60:0f:12:9c", hashlib.sha256).hexdigest()[:32]
    assert PSEUDO.mac("a4:5e:60:0f:12:9c") == want
    assert len(PSEUDO.ip("81.2.69.160")) == 32


def test_events_of_one_day_share_a_bucket_and_duplicates_collapse():
    prep = prepare(
        [_rec(0), _rec(1), _rec(2, ts=1793646251000 + 60_000), _rec(3, ts="2026-11-02T19:04:11Z")],
        PSEUDO,
        NOW,
    )
    assert len(prep.presence) == 1
    row = prep.presence[0]
    assert row["day"] % DAY_MS == 0 and row["day"] <= row["first"] < row["day"] + DAY_MS
    assert len(row["events"]) == 2  # offsets 0, 1 and 3 are the same event
    assert prep.next_offsets == {("views", 0): 4}


def test_ipv6_devices_of_one_prefix_share_a_network():
    a = prepare([_rec(0, ip="2a02:8071:1:2::aa")], PSEUDO, NOW).presence[0]
    b = prepare([_rec(0, ip="2a02:8071:1:2:ffff::1", mac="a4:5e:60:0f:12:9d")], PSEUDO, NOW).presence[0]
    assert (
        a["network"]
        == b["network"]
        == PSEUDO.ip(prefix64(__import__("ipaddress").IPv6Address("2a02:8071:1:2::")))
    )
    assert a["family"] == 6


def test_no_raw_identifier_leaves_prepare():
    prep = prepare([_rec(0), _rec(1, ip="2a02:8071:1:2::aa")], PSEUDO, NOW)
    text = json.dumps(prep.presence)
    for raw in ("81.2.69.160", "a4:5e:60:0f:12:9c", "2a02:8071"):
        assert raw not in text


def test_bad_records_become_dead_letters_and_the_rest_is_kept():
    recs = [
        _rec(0),
        SourceRecord("view", b"\x00garbage", "views", 0, 1),
        _rec(2, mac="00:00:00:00:00:00"),
        SourceRecord("view", b"", "views", 0, 3),
    ]
    prep = prepare(recs, PSEUDO, NOW)
    assert prep.valid == 1
    assert dict(prep.dead_by_reason) == {"not_json": 2, "reserved_mac": 1}
    assert [d.record.offset for d in prep.dead] == [1, 2, 3]
    rows = prep.dead_letter_rows(NOW)
    assert {r["reason"] for r in rows} == {"not_json", "reserved_mac"}


def test_rows_are_sorted_by_device_for_lock_order():
    recs = [_rec(i, mac=f"a4:5e:60:0f:12:{i:02x}") for i in range(1, 20)]
    devices = [r["device"] for r in prepare(recs, PSEUDO, NOW).presence]
    assert devices == sorted(devices)
