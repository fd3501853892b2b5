"""What the addresses alone can tell (generator.identifiability): the bounds are bounds."""

from __future__ import annotations

import pytest

from generator.evaluate import score_households
from generator.identifiability import summary
from generator.params import WorldParams, variant_params
from generator.pipeline import Generation
from generator.presence import presence_rows
from generator.truth import build_truth
from graph.households import assign_households

# every home behind a carrier: a home that stays on its address while another home stays there too
# cannot be told from it (tiny-carriers: 25 homes an address; more-cgnat: 64 subscribers an address,
# of which this world's homes are a sample)
TINY_CARRIERS = variant_params("tiny-carriers", households=60, days=7, seed=5, home_mix=(0, 0, 0, 1, 0))
CARRIERS_ONLY = variant_params("more-cgnat", households=60, days=7, seed=5, home_mix=(0, 0, 0, 1, 0))


def test_homes_with_addresses_of_their_own_leave_every_device_seen_at_home_identifiable():
    s = summary(WorldParams(households=40, days=3, seed=5, home_mix=(0.5, 0.3, 0.2, 0, 0)))
    assert s == {
        "identifiable_devices": 1.0,
        "pair_recall_bound": 1.0,
        "pair_f1_bound": 1.0,
        "link_recall_bound": 1.0,
    }


@pytest.fixture(scope="module")
def carriers_only() -> tuple[dict, float]:
    gen = Generation(CARRIERS_ONLY)
    rows = presence_rows(gen)
    truth = build_truth(gen)
    by_key = {d["key"]: d["household"] for d in truth["devices"] if d["events"] > 0}
    out = assign_households(rows)
    found = {m["device"]: m["household_id"] for m in out["memberships"]}
    return summary(CARRIERS_ONLY), score_households(by_key, found).pair_recall


def test_homes_crowded_on_few_carrier_addresses_are_mostly_not_identifiable():
    bounds = summary(TINY_CARRIERS)
    assert 0.1 < bounds["identifiable_devices"] < 0.5
    assert bounds["pair_recall_bound"] < 0.5
    assert bounds["link_recall_bound"] < 0.2


def test_the_household_core_recalls_no_more_pairs_than_the_addresses_allow(carriers_only):
    bounds, recall = carriers_only
    assert bounds["pair_recall_bound"] < 0.9  # the world is hard
    assert 0.5 < recall <= bounds["pair_recall_bound"] + 0.02  # the core finds many, never beyond it
