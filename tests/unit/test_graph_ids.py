"""Stable household ids and lineage."""

from __future__ import annotations

from graph.households.ids import new_household_id, stable_ids


def _ids(clusters, prev):
    return [(o["household_id"], o["lineage"]) for o in stable_ids(clusters, prev)]


def test_unchanged_household_keeps_id():
    assert _ids([["a", "b"]], {"a": "H", "b": "H"}) == [("H", "same")]


def test_grown_household_keeps_id_and_is_same():
    assert _ids([["a", "b", "c"]], {"a": "H", "b": "H"}) == [("H", "same")]


def test_brand_new_household_gets_deterministic_id():
    assert _ids([["x", "y"]], {}) == [(new_household_id(["y", "x"]), "new")]


def test_merge_keeps_the_larger_id():
    out = _ids([["a", "b", "c", "d", "e"]], {"a": "H1", "b": "H1", "c": "H1", "d": "H2", "e": "H2"})
    assert out == [("H1", "merged")]


def test_split_keeps_id_on_the_larger_part():
    out = _ids([["a", "b", "c"], ["d", "e"]], {x: "H" for x in "abcde"})
    assert out[0] == ("H", "split") and out[1][1] == "split" and out[1][0] != "H"


def test_each_old_id_is_used_once():
    out = _ids([["a", "b"], ["c", "d"]], {"a": "H", "b": "H", "c": "H", "d": "H"})
    assert len({h for h, _ in out}) == 2


def test_device_moving_between_households():
    out = _ids([["a", "b", "x"], ["c", "d"]], {"a": "H1", "b": "H1", "x": "H2", "c": "H2", "d": "H2"})
    assert out == [("H1", "moved"), ("H2", "moved")]


def test_minority_overlap_does_not_inherit():
    out = _ids([["a", "n1", "n2", "n3"]], {"a": "H", "b": "H", "c": "H"})
    assert out[0][0] != "H"


def test_new_id_never_collides_with_a_previous_id():
    hid = new_household_id(["a", "b"])
    out = _ids([["a", "b"], ["z"]], {"z": hid, "q": hid})
    assert len({h for h, _ in out}) == 2
