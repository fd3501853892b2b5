"""Per-campaign figures from ad exposures (pure): reach and frequency by household, costs, pacing.

Input rows come from ``cypher/campaigns/read_campaign_exposures.cypher``: one per campaign and device,
with parallel per-day lists (and, in tests, the device's impression times; the shells pass the units
over the cap that the ``campaigns`` job keeps). A device without a household counts
as a household of its own (as the evaluation does). Spend follows the campaign's cost model
(contract §5); a campaign without a record has no spend, no budget and the default cap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

__all__ = [
    "FREQUENCY_BUCKETS",
    "HEADLINE_KEYS",
    "campaign_headlines",
    "campaign_reports",
    "cap_of",
    "frequency_bucket",
    "household_of",
    "over_cap",
    "pacing",
    "rates",
    "reach_curve",
    "spend_of",
]

#: frequency distribution buckets: impressions per household
FREQUENCY_BUCKETS = ("1", "2", "3", "4-5", "6-10", ">10")
_DEFAULT_CAP = (3, 3600)  # ingest.campaigns.DEFAULT_CAP: 3 per hour per household
_PLAN_KEYS = ("name", "advertiser", "cost_model", "rate", "budget", "currency", "start", "end")
#: the figures of a campaign's headline (every report has them; a detailed one adds breakdowns)
HEADLINE_KEYS = (
    "campaign_id", *_PLAN_KEYS, "impressions", "clicks", "conversions", "duplicates", "devices_reached",
    "households_reached", "spend", "ctr", "cvr", "ecpm", "cpc", "cpa", "cost_per_household", "avg_frequency",
    "frequency_distribution", "over_cap", "over_cap_share", "cap", "budget_left", "spent_share",
    "elapsed_share", "pacing_index",
)  # fmt: skip


def household_of(row: dict[str, Any]) -> str:
    """The household a device counts in: its own, else itself.

    >>> household_of({"household": None, "device": "k1"}), household_of({"household": "H1", "device": "k1"})
    ('device:k1', 'H1')
    """
    return row["household"] or "device:" + row["device"]


def frequency_bucket(n: int) -> str:
    """The frequency distribution bucket of ``n`` impressions.

    >>> [frequency_bucket(n) for n in (1, 3, 5, 6, 11)]
    ['1', '3', '4-5', '6-10', '>10']
    """
    if n <= 3:
        return str(n)
    return "4-5" if n <= 5 else "6-10" if n <= 10 else ">10"


def over_cap(times: list[int], cap_max: int, window_ms: int) -> bool:
    """Whether more than ``cap_max`` of ``times`` fall within some window of ``window_ms``.

    >>> over_cap([0, 10, 20, 30], 3, 100), over_cap([0, 10, 20, 100], 3, 100)
    (True, False)
    """
    ts = sorted(times)
    return any(ts[i + cap_max] - ts[i] < window_ms for i in range(len(ts) - cap_max))


def spend_of(plan: dict[str, Any] | None, impressions: int, clicks: int, conversions: int) -> float | None:
    """Spend by the plan's cost model (contract §5), ``None`` without a plan.

    >>> spend_of({"cost_model": "cpm", "rate": 5.0}, 200_000, 500, 25)
    1000.0
    >>> spend_of(None, 1, 1, 1) is None
    True
    """
    if not plan or plan.get("cost_model") is None:
        return None
    units = {"cpm": impressions / 1000, "cpc": clicks, "cpa": conversions}[plan["cost_model"]]
    return float(units * plan["rate"])


def _ratio(a: float | None, b: float) -> float | None:
    return None if a is None or not b else a / b


def rates(
    impressions: int, clicks: int, conversions: int, spend: float | None, households: int
) -> dict[str, float | None]:
    """CTR, CVR (fractions), eCPM, CPC, CPA and cost per reached household; ``None`` where undefined.

    >>> r = rates(200_000, 500, 25, 1000.0, 400)
    >>> r["ctr"], r["cvr"], r["ecpm"], r["cpc"], r["cpa"], r["cost_per_household"]
    (0.0025, 0.05, 5.0, 2.0, 40.0, 2.5)
    """
    return {
        "ctr": _ratio(clicks, impressions),
        "cvr": _ratio(conversions, clicks),
        "ecpm": _ratio(None if spend is None else spend * 1000, impressions),
        "cpc": _ratio(spend, clicks),
        "cpa": _ratio(spend, conversions),
        "cost_per_household": _ratio(spend, households),
    }


def pacing(spend: float | None, plan: dict[str, Any] | None, as_of: int) -> dict[str, float | None]:
    """Budget left and pacing: the spent share of the budget against the elapsed share of the flight.

    ``index`` 1.0 is on pace, above spends too fast.

    >>> pacing(250.0, {"budget": 1000.0, "start": 0, "end": 100}, as_of=50)
    {'budget_left': 750.0, 'spent_share': 0.25, 'elapsed_share': 0.5, 'pacing_index': 0.5}
    """
    if spend is None or not plan or plan.get("budget") is None:
        return {"budget_left": None, "spent_share": None, "elapsed_share": None, "pacing_index": None}
    start, end = plan["start"], plan["end"]
    elapsed = min(max((as_of - start) / (end - start), 0.0), 1.0)
    spent = _ratio(spend, plan["budget"])
    return {
        "budget_left": plan["budget"] - spend,
        "spent_share": spent,
        "elapsed_share": elapsed,
        "pacing_index": _ratio(spent, elapsed),
    }


def reach_curve(first_day: dict[str, int], impressions_by_day: dict[int, int]) -> list[dict[str, int]]:
    """Cumulative impressions and households reached, day by day (households by their first day).

    >>> reach_curve({"a": 0, "b": 0, "c": 1}, {0: 5, 1: 4, 2: 1})
    [{'day': 0, 'impressions': 5, 'households': 2}, {'day': 1, 'impressions': 9, 'households': 3}, \
{'day': 2, 'impressions': 10, 'households': 3}]
    """
    new = Counter(first_day.values())
    out, imp, hh = [], 0, 0
    for day in sorted(set(impressions_by_day) | set(new)):
        imp += impressions_by_day.get(day, 0)
        hh += new.get(day, 0)
        out.append({"day": day, "impressions": imp, "households": hh})
    return out


def _counts() -> dict[str, Any]:
    return {
        "impressions": 0,
        "clicks": 0,
        "conversions": 0,
        "duplicates": 0,
        "devices": set(),
        "households": set(),
    }


def _add(acc: dict[str, Any], row: dict[str, Any], i: int | None, hh: str) -> None:
    for k in ("impressions", "clicks", "conversions", "duplicates"):
        acc[k] += row[k][i] if i is not None else sum(row[k])
    acc["devices"].add(row["device"])
    acc["households"].add(hh)


def _figures(acc: dict[str, Any], plan: dict[str, Any] | None) -> dict[str, Any]:
    spend = spend_of(plan, acc["impressions"], acc["clicks"], acc["conversions"])
    hh = len(acc["households"])
    return {
        "impressions": acc["impressions"],
        "clicks": acc["clicks"],
        "conversions": acc["conversions"],
        "duplicates": acc["duplicates"],
        "devices_reached": len(acc["devices"]),
        "households_reached": hh,
        "spend": spend,
        **rates(acc["impressions"], acc["clicks"], acc["conversions"], spend, hh),
    }


def _frequency(
    rows: list[dict[str, Any]], cap: tuple[int, int, str], known_over: int | None
) -> dict[str, Any]:
    # the distribution is per household; the cap counts per its own unit (household or device)
    per_hh: Counter = Counter()
    per_unit: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        per_hh[household_of(r)] += sum(r["impressions"])
        per_unit[household_of(r) if cap[2] == "household" else r["device"]].extend(r.get("times") or [])
    dist = Counter(frequency_bucket(n) for n in per_hh.values() if n)
    over = (
        known_over
        if known_over is not None
        else sum(over_cap(v, cap[0], cap[1] * 1000) for v in per_unit.values())
    )
    return {
        "frequency_distribution": {b: dist.get(b, 0) for b in FREQUENCY_BUCKETS},
        "over_cap": over,
        "over_cap_share": _ratio(over, len(per_unit)),
    }


def _plan_fields(plan: dict[str, Any] | None) -> dict[str, Any]:
    return {k: (plan or {}).get(k) for k in _PLAN_KEYS}


def cap_of(plan: dict[str, Any] | None) -> tuple[int, int, str]:
    """A campaign's frequency cap ``(max, window_s, per)``: its record's, else 3 per hour per household.

    >>> cap_of(None), cap_of({"cap_max": 2, "cap_window_s": 1800, "cap_per": None})
    ((3, 3600, 'household'), (2, 1800, 'household'))
    """
    if plan and plan.get("cap_max"):
        return plan["cap_max"], plan["cap_window_s"], plan.get("cap_per") or "household"
    return (*_DEFAULT_CAP, "household")


def campaign_headlines(
    totals: list[dict[str, Any]], over_cap: dict[str, int], plans: dict[str, dict[str, Any]], as_of: int
) -> list[dict[str, Any]]:
    """Headline reports from counts the server aggregated (``read_campaign_totals``), sorted by id.

    ``totals`` rows: ``campaign, impressions, clicks, conversions, duplicates, devices_reached,
    households_reached, frequency`` (households per :data:`FREQUENCY_BUCKETS`); ``over_cap``: units
    over the cap by campaign. The figures equal :func:`campaign_reports`' for the same data.

    >>> t = [{"campaign": "k", "impressions": 3, "clicks": 1, "conversions": 0, "duplicates": 1,
    ...       "devices_reached": 2, "households_reached": 1, "frequency": [0, 0, 1, 0, 0, 0]}]
    >>> [r] = campaign_headlines(t, {"k": 0}, {"k": {"cost_model": "cpc", "rate": 2.0}}, as_of=0)
    >>> r["spend"], r["cpc"], r["avg_frequency"], r["frequency_distribution"]["3"], r["cap"]["default"]
    (2.0, 2.0, 3.0, 1, True)
    """
    by_id = {t["campaign"]: t for t in totals}
    out = []
    for cid in sorted(set(by_id) | set(plans)):
        t, plan = by_id.get(cid), plans.get(cid)
        counts = {k: (t or {}).get(k, 0) for k in ("impressions", "clicks", "conversions", "duplicates")}
        hh = (t or {}).get("households_reached", 0)
        spend = spend_of(plan, counts["impressions"], counts["clicks"], counts["conversions"])
        cap = cap_of(plan)
        over = over_cap.get(cid, 0)
        out.append(
            {
                "campaign_id": cid,
                **_plan_fields(plan),
                **counts,
                "devices_reached": (t or {}).get("devices_reached", 0),
                "households_reached": hh,
                "spend": spend,
                **rates(counts["impressions"], counts["clicks"], counts["conversions"], spend, hh),
                "avg_frequency": _ratio(counts["impressions"], hh),
                "frequency_distribution": dict(zip(FREQUENCY_BUCKETS, (t or {}).get("frequency") or [0] * 6)),
                "over_cap": over,
                "over_cap_share": _ratio(over, hh)
                if cap[2] == "household"
                else _ratio(over, (t or {}).get("devices_reached", 0)),
                "cap": {
                    "max": cap[0],
                    "window_s": cap[1],
                    "per": cap[2],
                    "default": not (plan and plan.get("cap_max")),
                },
                **pacing(spend, plan, as_of),
            }
        )
    return out


def campaign_reports(
    exposures: list[dict[str, Any]],
    plans: dict[str, dict[str, Any]],
    sources: list[dict[str, Any]],
    as_of: int,
    known_over: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """One report per campaign seen in ``exposures`` or ``plans``, sorted by id.

    Parameters
    ----------
    exposures : list of dict
        ``campaign, device, type, household, days, impressions, clicks, conversions, duplicates``
        (per-day parallel lists) and, unless ``known_over`` gives the units over the cap, ``times``
        (the device's impression times).
    plans : dict
        Campaign node properties by id (``cost_model, rate, budget, start, end, cap_max, cap_window_s,
        cap_per`` ...), for campaigns with a record.
    sources : list of dict
        ``campaign, source, impressions, clicks, conversions, duplicates``.
    as_of : int
        The clock of pacing (epoch ms).
    known_over : dict, optional
        Units over the frequency cap by campaign (as the ``campaigns`` job keeps them), instead of
        sorting ``times``.

    >>> x = [{"campaign": "k", "device": "d1", "type": "tv", "household": "H", "days": [0],
    ...       "impressions": [2], "clicks": [1], "conversions": [0], "duplicates": [1], "times": [0, 5]},
    ...      {"campaign": "k", "device": "d2", "type": "phone", "household": "H", "days": [0],
    ...       "impressions": [1], "clicks": [0], "conversions": [0], "duplicates": [0], "times": [9]}]
    >>> [r] = campaign_reports(x, {}, [], as_of=0)
    >>> r["impressions"], r["devices_reached"], r["households_reached"], r["avg_frequency"], r["spend"]
    (3, 2, 1, 3.0, None)
    """
    by_campaign: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in exposures:
        by_campaign[r["campaign"]].append(r)
    src: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in sources:
        src[s["campaign"]].append({k: v for k, v in s.items() if k != "campaign"})
    out = []
    for cid in sorted(set(by_campaign) | set(plans)):
        over = None if known_over is None else known_over.get(cid, 0)
        out.append(_report(cid, by_campaign.get(cid, []), plans.get(cid), src.get(cid, []), as_of, over))
    return out


def _report(
    cid: str,
    rows: list[dict[str, Any]],
    plan: dict[str, Any] | None,
    sources: list[dict[str, Any]],
    as_of: int,
    known_over: int | None,
) -> dict[str, Any]:
    total, by_day, by_type, by_day_type = (
        _counts(),
        defaultdict(_counts),
        defaultdict(_counts),
        defaultdict(_counts),
    )
    first_day: dict[str, int] = {}
    for r in rows:
        hh, dtype = household_of(r), r["type"] or "other"
        _add(total, r, None, hh)
        _add(by_type[dtype], r, None, hh)
        for i, day in enumerate(r["days"]):
            _add(by_day[day], r, i, hh)
            _add(by_day_type[(day, dtype)], r, i, hh)
            if r["impressions"][i] and (hh not in first_day or day < first_day[hh]):
                first_day[hh] = day
    cap = cap_of(plan)
    head = _figures(total, plan)
    return {
        "campaign_id": cid,
        **_plan_fields(plan),
        **head,
        "avg_frequency": _ratio(head["impressions"], head["households_reached"]),
        **_frequency(rows, cap, known_over),
        "cap": {
            "max": cap[0],
            "window_s": cap[1],
            "per": cap[2],
            "default": not (plan and plan.get("cap_max")),
        },
        **pacing(head["spend"], plan, as_of),
        "reach_curve": reach_curve(first_day, {d: a["impressions"] for d, a in by_day.items()}),
        "by_day": [{"day": d, **_figures(by_day[d], plan)} for d in sorted(by_day)],
        "by_device_type": [{"type": t, **_figures(by_type[t], plan)} for t in sorted(by_type)],
        "by_day_type": [
            {"day": d, "type": t, **_figures(by_day_type[(d, t)], plan)} for d, t in sorted(by_day_type)
        ],
        "by_source": sorted(sources, key=lambda s: s["source"]),
    }
