"""Households: devices that share a home, from co-presence on home-like networks."""

from graph.households.core import (
    HouseholdRun,
    as_table,
    assign_households,
    household_rows,
    run_households,
)
from graph.households.ids import new_household_id, stable_ids

__all__ = [
    "HouseholdRun",
    "as_table",
    "assign_households",
    "household_rows",
    "new_household_id",
    "run_households",
    "stable_ids",
]
