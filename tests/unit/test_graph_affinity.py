"""Household affinities: lift normalisation, tops, kids, activity, look-alikes."""

from __future__ import annotations

import json

from graph.affinity import household_affinity, similar_households
from tests.unit.test_graph_worlds import home

CONTENT = [
    {"content_id": "news1", "kind": "show", "series_id": "tagesschau", "genres": ["news"], "age_rating": 0},
    {
        "content_id": "cook1",
        "kind": "series_episode",
        "series_id": "kochen",
        "genres": ["cooking"],
        "age_rating": 0,
    },
    {
        "content_id": "kids1",
        "kind": "series_episode",
        "series_id": "maus",
        "genres": ["kids"],
        "age_rating": 0,
    },
    {
        "content_id": "sport1",
        "kind": "live",
        "series_id": None,
        "genres": ["sports", "news"],
        "age_rating": 0,
    },
]


def _watch(device, content_id, seconds, views=1):
    return {"device": device, "content_id": content_id, "views": views, "seconds": seconds}


def _world():
    assignment = {f"h{i}-tv": f"H{i}" for i in range(6)} | {f"h{i}-ph": f"H{i}" for i in range(6)}
    watch = [_watch(f"h{i}-tv", "news1", 20_000) for i in range(6)]  # news everywhere, a lot
    watch += [_watch("h0-ph", "cook1", 3_000), _watch("h1-ph", "cook1", 2_500)]
    watch += [_watch("h2-tv", "kids1", 4_000), _watch("h3-tv", "kids1", 5_000)]
    watch += [_watch("h4-tv", "sport1", 6_000)]
    return assignment, watch


def test_news_everywhere_does_not_dominate():
    assignment, watch = _world()
    prof = {p["household_id"]: p for p in household_affinity(watch, CONTENT, assignment)}
    assert prof["H0"]["top_genres"][0] == "cooking"
    assert prof["H2"]["top_genres"][0] == "kids"
    assert prof["H4"]["top_genres"][0] == "sports"
    assert prof["H0"]["genres"]["news"]["share"] > prof["H0"]["genres"]["cooking"]["share"]
    assert prof["H0"]["genres"]["news"]["lift"] < 1.0 < prof["H0"]["genres"]["cooking"]["lift"]


def test_tops_kids_and_json():
    assignment, watch = _world()
    prof = {p["household_id"]: p for p in household_affinity(watch, CONTENT, assignment)}
    assert prof["H2"]["kids_content"] and not prof["H0"]["kids_content"]
    assert prof["H0"]["top_series"][0] == {"series_id": "tagesschau", "seconds": 20000.0}
    assert [c["content_id"] for c in prof["H0"]["top_content"]] == ["news1", "cook1"]
    assert prof["H0"]["devices"] == 2
    json.dumps(list(prof.values()))


def test_activity_and_device_mix_from_presence():
    rows = home("h0", "n0", days=range(7), members=(("tv", "tv"), ("ph", "phone")), hours=(19,))
    prof = household_affinity([], CONTENT, {"h0-tv": "H0", "h0-ph": "H0"}, presence=rows)[0]
    assert prof["device_mix"] == {"phone": 1, "tv": 1}
    assert prof["activity_by_hour"][20] == 14 and sum(prof["activity_by_hour"]) == 14  # 19 UTC = 20 local
    assert prof["activity_by_weekday"] == [2] * 7


def test_similar_households_pair_the_look_alikes():
    assignment, watch = _world()
    profiles = household_affinity(watch, CONTENT, assignment)
    sim = similar_households(profiles)
    top = {r["household_id"]: r["other_id"] for r in sim if r["rank"] == 1}
    assert top["H0"] == "H1" and top["H1"] == "H0"
    assert top["H2"] == "H3" and top["H3"] == "H2"
    assert all(-1.0 <= r["cosine"] <= 1.0 for r in sim)
    assert all(r["household_id"] != r["other_id"] for r in sim)
