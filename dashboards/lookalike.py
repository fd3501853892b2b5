"""Look-alike expansion for the Audiences page: the clean-room rules for it (pure) and the cached data.

The seed is the page's current segment; the expansion ranks every other household by resemblance
(:func:`graph.propensity.lookalike.expand`). Marketers need a seed and an expansion of at least k
households, see the count only, and export the top of the ranking rounded down to a multiple of
:data:`~dashboards.audience.ROUND_TO` (ids only, audited, refused when it differences an earlier export).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.audience import rounded_count
from dashboards.resources import client
from graph.jobs.propensity import read_inputs
from graph.params import DAY_MS, PropensityParams
from graph.propensity.features import prepare_events
from graph.propensity.lookalike import expand, household_features

__all__ = ["expand_segment", "expansion_refusal", "export_rows", "lookalike_features"]

LONG = 300  # seconds: the features change when data arrives; rebuilding them reads every exposure


def expansion_refusal(seed: int, size: int, pool: int, minimum: int, marketer: bool) -> str | None:
    """Why the current segment may not be expanded to ``size`` look-alikes, or ``None``.

    >>> expansion_refusal(120, 500, 900, 50, True) is None
    True
    >>> expansion_refusal(20, 500, 900, 50, True)
    'look-alike refused: the seed segment has fewer than 50 households (clean-room rule)'
    >>> expansion_refusal(120, 40, 900, 50, False)
    'look-alike refused: 40 households is fewer than the minimum of 50 (clean-room rule)'
    >>> expansion_refusal(120, 500, 30, 50, False)
    'look-alike refused: 30 households are outside the seed, fewer than the minimum of 50'
    >>> expansion_refusal(120, 500, 30, 50, True)  # the exact figure would give the seed's size away
    'look-alike refused: fewer than 50 households are outside the seed (clean-room rule)'
    """
    if seed < (minimum if marketer else 2):
        shown = f"fewer than {minimum}" if marketer else str(seed)
        return f"look-alike refused: the seed segment has {shown} households" + (
            " (clean-room rule)" if marketer else "; need at least 2"
        )
    if pool < minimum:
        if marketer:
            return (
                f"look-alike refused: fewer than {minimum} households are outside the seed (clean-room rule)"
            )
        return (
            f"look-alike refused: {pool} households are outside the seed, fewer than the minimum of {minimum}"
        )
    if size < minimum:
        return (
            f"look-alike refused: {size} households is fewer than the minimum of {minimum} (clean-room rule)"
        )
    return None


def export_rows(ranked: pd.DataFrame, marketer: bool) -> pd.DataFrame:
    """What an export of the ranking holds: marketers the top ids rounded down to a multiple of 10
    (ranking order kept), analysts every row with its similarity.

    >>> r = pd.DataFrame({"household": list("abcdefghijkl"), "similarity": 0.5, "rank": range(1, 13)})
    >>> export_rows(r, True).columns.tolist(), len(export_rows(r, True)), len(export_rows(r, False))
    (['household'], 10, 12)
    """
    if marketer:
        return ranked[["household"]].head(rounded_count(len(ranked)))
    return ranked[["household", "similarity", "rank"]]


@st.cache_data(ttl=LONG, show_spinner="Reading household features…")
def lookalike_features() -> pd.DataFrame:
    """Standardisable per-household features (genre shares, device mix, decayed ad behaviour)."""
    events, context = read_inputs(client())
    end = int(events["ts"].max()) + DAY_MS // 2 if len(events) else 0
    return household_features(
        prepare_events(events) if len(events) else events, context, end, PropensityParams()
    )


def expand_segment(seed: list[str], size: int) -> pd.DataFrame:
    """The ``size`` households most like ``seed`` (seed excluded): ``household, similarity, rank``."""
    return expand(lookalike_features(), seed, size, PropensityParams())
