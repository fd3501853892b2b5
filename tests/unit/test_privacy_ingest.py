"""Erased devices are dropped by prepare; dead letters are confirmed, cut when oversize, and a failed
send fails the batch until it is stored (no service needed: fake producers and sinks)."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest

from graph.privacy import erasure_digest
from ingest.batch import DeadLetter, SourceRecord, prepare
from ingest.deadletters import FileDeadLetters, KafkaDeadLetters
from ingest.errors import DeadLetterSendFailed
from ingest.pipeline import send_until_stored
from ingest.pseudonym import Pseudonymizer
from ingest.suppression import SuppressionList

NOW = 1_793_700_000_000
PSEUDO = Pseudonymizer("test-secret")
ERASED_MAC, KEPT_MAC = "a4:5e:60:0f:12:9c", "a4:5e:60:0f:12:9d"


def _view(offset: int, mac: str, **fields) -> SourceRecord:
    obj = {"ts": 1793646251000 + offset, "ip": "81.2.69.160", "mac": mac, "content_id": "c1", **fields}
    return SourceRecord("view", json.dumps(obj).encode(), "views", 0, offset)


def test_events_of_erased_devices_are_counted_not_stored():
    erased = SuppressionList.of({erasure_digest(PSEUDO.mac(ERASED_MAC))})
    recs = [_view(0, ERASED_MAC), _view(1, KEPT_MAC), _view(2, ERASED_MAC.upper().replace(":", "-"))]
    prep = prepare(recs, PSEUDO, NOW, erased)
    assert prep.erased == 2 and prep.valid == 1 and not prep.dead  # no raw record kept either
    assert {r["device"] for r in prep.presence} == {PSEUDO.mac(KEPT_MAC)}
    assert prep.next_offsets == {("views", 0): 3}  # their offsets are consumed all the same
    assert {r["reason"]: r["count"] for r in prep.dead_letter_rows(NOW)} == {"erased": 2}


def test_suppression_list_refreshes_and_keeps_the_last_on_failure():
    now = [0.0]
    answers = [frozenset({erasure_digest("a")}), RuntimeError("down"), frozenset({erasure_digest("b")})]

    def load():
        x = answers.pop(0)
        if isinstance(x, Exception):
            raise x
        return x

    lst = SuppressionList(load, refresh_s=10, clock=lambda: now[0])
    assert "a" in lst.current()
    now[0] = 11
    assert "a" in lst.current()  # the refresh failed: the last list stays
    now[0] = 22
    assert "b" in lst.current() and "a" not in lst.current()


class _Future:
    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def get(self, timeout=None):
        if self.error:
            raise self.error
        return "ok"


class _Producer:
    """Records sends; fails the first ``failures`` sends' futures."""

    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[str, bytes, list]] = []
        self.failures = failures

    def send(self, topic, value, headers):
        self.sent.append((topic, value, headers))
        if self.failures > 0:
            self.failures -= 1
            return _Future(RuntimeError("MessageSizeTooLargeError"))
        return _Future(None)

    def flush(self, timeout=None):
        pass


def _letters(n: int, size: int = 10) -> list[DeadLetter]:
    return [DeadLetter(SourceRecord("view", b"x" * size, "views", 0, i), "not_json", "bad") for i in range(n)]


def test_a_refused_dead_letter_raises_instead_of_vanishing():
    with pytest.raises(DeadLetterSendFailed) as err:
        KafkaDeadLetters(_Producer(failures=1), "views.dlq").send(_letters(3))
    assert err.value.letters == 3 and err.value.topic == "views.dlq"


def test_an_oversize_dead_letter_is_cut_with_its_size_and_digest():
    producer = _Producer()
    letter = _letters(1, size=100)[0]
    KafkaDeadLetters(producer, "dlq", max_bytes=40).send([letter])
    _, value, headers = producer.sent[0]
    h = dict(headers)
    assert value == b"x" * 40
    assert h["reason"] == b"not_json" and h["truncated"] == b"1" and h["original_size"] == b"100"
    assert h["original_sha256"] == hashlib.sha256(b"x" * 100).hexdigest().encode()


def test_a_failed_send_is_retried_until_stored_and_nothing_is_lost():
    producer = _Producer(failures=2)
    sink = KafkaDeadLetters(producer, "dlq")
    prep = prepare([SourceRecord("view", b"garbage", "views", 0, 0)], PSEUDO, NOW)
    retries = []
    assert send_until_stored(sink, prep, threading.Event(), lambda: retries.append(1))
    assert len(retries) == 2 and producer.sent[-1][1] == b"garbage"


def test_a_batch_whose_dead_letters_cannot_be_stored_is_given_up_on_stop():
    stop = threading.Event()
    calls = []

    class Broken:
        def send(self, letters):
            calls.append(len(letters))
            stop.set()  # the operator stops the ingester while the topic refuses
            raise DeadLetterSendFailed("dlq", len(letters), "TopicAuthorizationFailedError")

    prep = prepare([SourceRecord("view", b"garbage", "views", 0, 0)], PSEUDO, NOW)
    assert send_until_stored(Broken(), prep, stop) is False
    assert calls == [1]


def test_dead_letter_files_are_private(tmp_path):
    path = tmp_path / "dl" / "dead.jsonl"
    sink = FileDeadLetters(path)
    sink.send(_letters(2))
    sink.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_text().splitlines()) == 2


def test_generator_files_are_private(tmp_path):
    from generator.sinks import FileSink, write_private

    with FileSink(tmp_path / "events.jsonl") as sink:
        sink.write([b"{}"])
    write_private(tmp_path / "truth.json", b"{}")
    assert {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {
        "events.jsonl": 0o600,
        "truth.json": 0o600,
    }
