"""Screens that are never in one home, on Spark (``graph.households.apart`` of the pure core): the
same hour-by-hour rows of the devices that stay home, and the same apart pairs per component."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from graph.networks import CGNAT, HOME
from graph.params import DAY_MS, HouseholdParams

__all__ = ["apart_pairs", "fixed_rows"]


def fixed_rows(crow: DataFrame, p: HouseholdParams) -> DataFrame:
    """``dev, hour, family, network``: where each device of ``p.fixed_types`` was, per hour and
    family seen on exactly one home or carrier network (``graph.households.apart.fixed_rows``)."""
    rows = crow.where(F.col("dtype").isin(p.fixed_codes) & F.col("cls").isin(HOME, CGNAT))
    return (
        rows.select("dev", "hour", "family", "network")
        .distinct()
        .groupBy("dev", "hour", "family")
        .agg(F.count("*").alias("n"), F.min("network").alias("network"))
        .where(F.col("n") == 1)
        .drop("n")
    )


def apart_pairs(fixed: DataFrame, comp: DataFrame, p: HouseholdParams) -> DataFrame:
    """``component, a, b``: pairs of fixed devices of one component (``comp``: ``dev, component``;
    at most ``p.max_apart_screens`` of them) apart on ``p.min_apart_days`` days and together on at
    most ``p.max_together_days`` (``graph.households.apart.apart_pairs``)."""
    devs = fixed.select("dev").distinct().join(comp, "dev")
    screens = devs.groupBy("component").agg(F.count("*").alias("screens"))
    devs = devs.join(screens.where(F.col("screens") <= p.max_apart_screens), "component").drop("screens")
    pairs = (
        devs.withColumnRenamed("dev", "a")
        .join(devs.withColumnRenamed("dev", "b"), "component")
        .where(F.col("a") < F.col("b"))
    )
    on_a = fixed.select(F.col("dev").alias("a"), "hour", "family", F.col("network").alias("net_a"))
    on_b = fixed.select(F.col("dev").alias("b"), "hour", "family", F.col("network").alias("net_b"))
    both = pairs.join(on_a, "a").join(on_b, ["b", "hour", "family"])
    day = F.expr(f"hour div {DAY_MS}")  # UTC days, as the pure core's ``hour // DAY_MS``
    same = F.col("net_a") == F.col("net_b")
    return (
        both.groupBy("component", "a", "b")
        .agg(
            F.countDistinct(F.when(same, day)).alias("together"),
            F.countDistinct(F.when(~same, day)).alias("apart"),
        )
        .where((F.col("apart") >= p.min_apart_days) & (F.col("together") <= p.max_together_days))
        .select("component", "a", "b")
    )
