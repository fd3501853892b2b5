"""Erasure and retention shells against the recording fake: order of steps, what is written."""

from __future__ import annotations

from graph.client import RecordingClient
from graph.erasure import erase_devices
from graph.jobs.retention import delete_older_than
from graph.privacy import erasure_digest

KEY = "0164ce5d6991974dc7b423f259acfd9b"


def test_erasure_suppresses_first_then_deletes_and_never_writes_the_key_to_the_list():
    client = RecordingClient(
        answers={
            "privacy/read_device_households": [{"device": KEY, "household": None}],
            "privacy/delete_devices": [{"devices": 1, "edges": 7}],
        }
    )
    counts = erase_devices(client, [KEY.upper() + " "], rederive=False)
    names = [n for n, _ in client.calls]
    assert names.index("privacy/write_erased_devices") < names.index("privacy/delete_devices")
    assert client.written("privacy/write_erased_devices") == [{"digest": erasure_digest(KEY)}]
    assert KEY not in str(client.written("privacy/write_erased_devices"))
    assert dict(client.calls)["privacy/delete_devices"] == {"devices": [KEY]}
    assert counts == {
        "requested": 1,
        "suppressed": 1,
        "devices": 1,
        "edges": 7,
        "households": 0,
        "rederived": [],
    }


def test_an_unknown_device_is_still_suppressed():
    client = RecordingClient(answers={"privacy/delete_devices": [{"devices": 0, "edges": 0}]})
    counts = erase_devices(client, [KEY])
    assert counts["devices"] == 0 and counts["suppressed"] == 1 and counts["rederived"] == []


def test_retention_deletes_in_batches_until_nothing_is_left():
    left = {"privacy/delete_old_presence": [3, 3, 1]}

    class Batches(RecordingClient):
        def run_write(self, name, /, **params):
            super().run_write(name, **params)
            todo = left.get(name)
            n = todo.pop(0) if todo else 0
            return [{"deleted": n}]

    client = Batches()
    counts = delete_older_than(client, cutoff=1000, batch=3)
    assert counts["presence"] == 7
    presence_calls = [p for n, p in client.calls if n == "privacy/delete_old_presence"]
    assert len(presence_calls) == 3 and all(p == {"limit": 3, "cutoff": 1000} for p in presence_calls)
    assert [n for n, _ in client.calls][-1] == "jobs/delete_empty_households"
