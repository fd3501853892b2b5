"""The bulk path's pure parts: partitioning by device, the CSV cells, the column table, input checks."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from ingest.batch import SourceRecord, prepare
from ingest.bulk import UnreadableInput, _write_csv, check_readable, device_partition
from ingest.bulk_columns import ARRAY_DELIMITER, FILES, DelimiterInValue, csv_row, header
from ingest.bulk_rows import fold_catalog, merge_networks, partition_rows
from ingest.campaigns import campaign_rows, parse_campaign
from ingest.contract import parse_content
from ingest.pseudonym import Pseudonymizer
from ingest.rows import content_rows
from tests.integration.eventdata import BASE_MS, sample_stream

PSEUDO = Pseudonymizer("unit-secret")
NOW = BASE_MS + 10 * 86_400_000
_DEVICE_KEYED = ("Device", "SEEN_ON", "DeviceDay", "EXPOSED_ON")


def _records(msgs: list[bytes]) -> list[SourceRecord]:
    return [SourceRecord("view", m, "f", 0, i) for i, m in enumerate(msgs)]


def _canon(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=sorted) for r in rows)


def _stream() -> list[bytes]:
    msgs, _ = sample_stream(n_devices=12, per_device=40, seed=3)
    ev = json.loads(msgs[0])
    # the same device under another MAC spelling must land in the same partition
    msgs.append(json.dumps({**ev, "mac": ev["mac"].upper().replace(":", "-"), "ts": ev["ts"] + 1}).encode())
    return msgs


def test_partitions_by_device_give_the_rows_of_one_batch() -> None:
    msgs = _stream()
    whole = partition_rows(prepare(_records(msgs), PSEUDO, NOW), {}, NOW)
    parts = 4
    split: dict[str, list] = {k: [] for k in _DEVICE_KEYED}
    networks: dict[str, dict] = {}
    seen_parts = set()
    for p in range(parts):
        mine = [m for m in msgs if device_partition(m, parts) == p]
        seen_parts.add(bool(mine))
        rows = partition_rows(prepare(_records(mine), PSEUDO, NOW), {}, NOW)
        for k in _DEVICE_KEYED:
            split[k] += rows[k]
        merge_networks(networks, rows["networks"])
    assert True in seen_parts
    for k in _DEVICE_KEYED:
        assert _canon(split[k]) == _canon(whole[k]), k
        assert len(whole[k]) > 0
    assert _canon(list(networks.values())) == _canon(whole["networks"])


def test_every_column_is_a_field_of_its_builder_rows() -> None:
    """A renamed builder field fails here, naming the table line to change (ingest/bulk_columns.py)."""
    rows = partition_rows(prepare(_records(_stream()), PSEUDO, NOW), {}, NOW)
    rows["Network"] = rows["networks"]
    catalog: dict[str, dict] = {}
    raw = b'{"content_id":"c","title":"T","kind":"movie","series_id":"s","genres":["x"],"age_rating":6}'
    fold_catalog(catalog, content_rows([parse_content(raw)]))
    rows["Content"] = list(catalog.values())
    plan = parse_campaign(
        b'{"campaign_id":"k","start":"2026-11-01T00:00:00Z","end":"2026-11-02T00:00:00Z",'
        b'"budget":10,"cost_model":"cpc","rate":1}'
    )
    rows["Campaign"] = [{**r, "described": True, "updated": NOW} for r in campaign_rows([plan])]
    for name, f in FILES.items():
        fields = set().union(*(r.keys() for r in rows[name]))
        missing = [c.field for c in f.columns if c.field not in fields]
        assert not missing, f"{name}: builder rows lack {missing}"
        assert len(header(f)) == len(csv_row(f, rows[name][0]))


def test_cells_keep_null_empty_string_and_awkward_text_apart(tmp_path: Path) -> None:
    f = FILES["Content"]
    rows = [
        csv_row(f, {"content_id": 'a,"b"\nc', "title": "", "kind": None, "genres": ["x", "y;z"]}),
        csv_row(f, {"content_id": "plain", "title": None, "described": True}),
    ]
    out = tmp_path / "c.csv"
    _write_csv(out, rows)
    text = out.read_text()
    assert text.splitlines()[0] == '"a,""b""', "the quoted id spans two lines"
    assert text.split("\n", 2)[1].startswith('c","a,""b""')
    assert f',"",,,x{ARRAY_DELIMITER}y;z,,' in text  # "" is an empty string, nothing is no property
    assert text.endswith("plain,plain,,,,,,true\n")


def test_a_list_element_holding_the_array_delimiter_is_refused() -> None:
    with pytest.raises(DelimiterInValue, match=r"Content\.genres"):
        csv_row(FILES["Content"], {"content_id": "c", "genres": [f"a{ARRAY_DELIMITER}b"]})


def test_missing_unreadable_and_broken_gzip_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="no such file"):
        check_readable(str(tmp_path / "nope.jsonl"))
    with pytest.raises(UnreadableInput, match="no such file"):
        check_readable(str(tmp_path))  # a directory
    bad = tmp_path / "x.jsonl.gz"
    bad.write_bytes(b"plain text")
    with pytest.raises(UnreadableInput, match="cannot read"):
        check_readable(str(bad))
    good = tmp_path / "y.jsonl.gz"
    good.write_bytes(gzip.compress(b"{}\n"))
    check_readable(str(good))


def test_dead_letters_of_a_run_that_never_imported_are_cut_back_once(tmp_path: Path) -> None:
    from hausgraph.bulk_import import BulkRefused, done_pending, mark_pending, pending_mark, undo_pending

    dead = tmp_path / "dead.jsonl"
    dead.write_bytes(b'{"from": "streaming"}\n')
    assert undo_pending(dead) == 0 and dead.read_bytes() == b'{"from": "streaming"}\n'  # no mark: untouched
    # a run marks, appends its letters and is killed before its import succeeds
    mark_pending(dead)
    with dead.open("ab") as fh:
        fh.write(b'{"line": 1}\n{"line": 7}\n')
    # the next run (empty database) cuts them back before it writes them again: each once
    assert undo_pending(dead) == len(b'{"line": 1}\n{"line": 7}\n')
    assert dead.read_bytes() == b'{"from": "streaming"}\n' and not pending_mark(dead).exists()
    mark_pending(dead)
    with dead.open("ab") as fh:
        fh.write(b'{"line": 1}\n{"line": 7}\n')
    done_pending(dead)  # imported: the letters stay, and a later run finds no mark
    assert undo_pending(dead) == 0 and dead.read_bytes().count(b'"line": 1') == 1
    # a run whose file did not exist yet: cut back to nothing
    fresh = tmp_path / "new" / "dead.jsonl"
    mark_pending(fresh)
    fresh.write_bytes(b'{"line": 2}\n')
    undo_pending(fresh)
    assert fresh.read_bytes() == b""
    pending_mark(fresh).write_text("not a size")
    with pytest.raises(BulkRefused, match="pending mark"):
        undo_pending(fresh)
