"""The ground truth of a generated world, as the plain dict written to ``truth.json``."""

from __future__ import annotations

from generator.campaigns import campaign_records
from generator.dirty import MALFORMED
from generator.networks import HOME_KINDS
from generator.personas import annotate_truth
from generator.world import FORM_TYPE, FORMS, ROLES

__all__ = ["build_truth", "households_on_day", "truth_params"]


def truth_params(p) -> dict:
    """The world's parameters as ``truth.json`` records them (to tell whether a saved world is this one)."""
    return {
        "households": p.households,
        "days": p.days,
        "seed": p.seed,
        "start": p.start.isoformat(),
        "malformed_rate": p.malformed_rate,
        "duplicate_rate": p.duplicate_rate,
        "bid_copy_rate": p.bid_copy_rate,
        "home_mix": list(p.home_mix),
        "homes_per_cgnat_address": p.homes_per_cgnat_address,
        "homes_per_dslite_address": p.homes_per_dslite_address,
        "carrier_subscribers_per_address": p.carrier_subscribers_per_address,
        "viewer_share": p.viewer_share,
        "carrier_min_addresses": p.carrier_min_addresses,
        "ipv6_rotation_days": list(p.ipv6_rotation_days),
        "office_share": p.office_share,
        "households_per_office": p.households_per_office,
        "ipv4_only_share": p.ipv4_only_share,
        "ipv4_fallback_rate": p.ipv4_fallback_rate,
    } | ({"move_share": p.move_share} if p.move_share else {})


def build_truth(gen) -> dict:
    """Truth of a finished :class:`~generator.pipeline.Generation` (after its chunks were consumed)."""
    w, p = gen.world, gen.params
    devices = []
    for d in range(w.n_devices):
        owner = int(w.dev_owner[d])
        devices.append(
            {
                "mac": w.dev_mac[d],
                "key": w.dev_key[d],
                "household": w.hh_label[w.dev_home[d]],
                "device_type": FORM_TYPE[w.dev_form[d]],
                "form": FORMS[w.dev_form[d]],
                "reported_type": w.dev_reported[d],
                "owner": f"P{owner + 1:06d}" if owner >= 0 else None,
                "events": int(gen.dev_events[d]),
                "clock_skew_ms": int(w.dev_skew_ms[d]),
            }
        )
    annotate_truth(w, p, devices)
    households = []
    for h, hid in enumerate(w.hh_label):
        if not w.hh_persons[h] and not w.hh_devices[h]:  # a line a move left empty
            continue
        households.append(
            {
                "id": hid,
                "network": HOME_KINDS[w.net.home_kind[h]],
                "persons": [
                    {
                        "id": f"P{q + 1:06d}",
                        "role": ROLES[w.person_role[q]],
                        "persona": w.person_persona[q],
                        "office": int(w.person_office[q]) if w.person_office[q] >= 0 else None,
                    }
                    for q in w.hh_persons[h]
                ],
                "devices": [w.dev_mac[d] for d in w.hh_devices[h]],
            }
        )
    social = [
        {
            "a": w.hh_label[a],  # friendships follow a home that moved (moves.rekey_pairs): its label
            "b": w.hh_label[b],
            "visits": int(gen.visits.get((a, b), 0)),
            "seen_visits": int(gen.seen_visits.get((a, b), 0)),
        }
        for a, b in w.friends
    ]
    malformed = gen.malformed_counts()
    by_reason: dict[str, int] = {}
    for kind, n in malformed.items():
        by_reason[MALFORMED[kind]] = by_reason.get(MALFORMED[kind], 0) + n
    return {
        "params": truth_params(p),
        "key_derivation": "HMAC-SHA256(secret, 'mac:' + normalized mac), hex, first 32",
        "households": households,
        "devices": devices,
        "device_household_by_mac": {x["mac"]: x["household"] for x in devices},
        "device_household_by_key": {x["key"]: x["household"] for x in devices},
        # households as they are at the end; a move changes them from ``day`` on (world day, 0-based)
        "moves": [
            {
                "day": m.day,
                "kind": m.kind,
                "devices": [w.dev_key[d] for d in m.devices],
                "from": w.hh_ids[m.src],  # moves never take a person from a slot a move relabelled
                "to": m.label,
            }
            for m in w.moves
        ],
        "social_pairs": social,
        "follow_up_journeys": gen.ad_breaks.journeys,
        "propensity": gen.conversions.truth(p.days),
        "counts": {
            "lines": int(gen.counts["lines"]),
            "valid": int(gen.counts["valid"]),
            "duplicates": int(gen.counts["duplicates"]),
            "malformed": int(gen.counts["malformed"]),
            "malformed_by_kind": malformed,
            "malformed_by_reason": by_reason,
            "bid_copies": int(gen.counts["bid_copies"]),
        },
        "campaigns": {
            "records": len(campaign_records(p)),
            "invalid_by_reason": {"bad_split": 1},
            "bid_copies_by_campaign": dict(sorted(gen.bid_copies.items())),
        },
    }


def households_on_day(truth: dict, day: int) -> dict[str, str]:
    """``device key -> true household`` on world ``day``: the end state with the moves of later
    days undone (``truth["moves"]``; a day past the world is its end).

    >>> t = {"device_household_by_key": {"a": "H2", "b": "H2", "c": "H1"},
    ...      "moves": [{"day": 5, "kind": "join", "devices": ["a"], "from": "H1", "to": "H2"}]}
    >>> households_on_day(t, 4), households_on_day(t, 5) == t["device_household_by_key"]
    ({'a': 'H1', 'b': 'H2', 'c': 'H1'}, True)
    """
    out = dict(truth["device_household_by_key"])
    for m in sorted(truth.get("moves", []), key=lambda m: -m["day"]):
        if m["day"] > day:
            for k in m["devices"]:
                out[k] = m["from"]
    return out
