"""Devices that left their household, on Spark (``graph.households.parting`` of the pure core)."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from graph.households.cluster import LEFT_HOUSEHOLD
from graph.networks import HOME
from graph.params import DAY_MS, HouseholdParams
from graph.spark.cluster import unassign

__all__ = ["mark_left_households"]


def mark_left_households(labels: DataFrame, crow: DataFrame, p: HouseholdParams) -> DataFrame:
    """``labels`` with every device that left its household unassigned, reason ``left_household``:
    on each of its last ``p.parting_days`` active UTC days, it was on home networks alone of its
    household and of any other, while two or more of its household's devices were together on
    one. ``crow``: the presence rows with their network class (``dev, network, hour, cls``)."""
    k = p.parting_days
    if k <= 0:
        return labels
    hh = labels.where(F.col("cluster").isNotNull()).select("dev", "cluster")
    rows = crow.select("dev", "network", "cls", F.expr(f"hour div {DAY_MS}").alias("day"))
    home = (
        rows.where(F.col("cls") == HOME).join(hh, "dev").select("dev", "cluster", "day", "network").distinct()
    )
    there = home.groupBy("cluster", "day", "network").agg(F.count("*").alias("members"))
    visited = home.groupBy("day", "network").agg(F.countDistinct("cluster").alias("households"))
    together = there.groupBy("cluster", "day").agg(F.max("members").alias("together"))
    ok = (F.col("members") == 1) & (F.col("households") == 1) & (F.col("together") >= 2)
    away = (
        home.join(there, ["cluster", "day", "network"])
        .join(visited, ["day", "network"])
        .join(together, ["cluster", "day"])
        .groupBy("dev", "day")
        .agg(F.min(ok.cast("int")).alias("away"))
        .where("away = 1")
    )
    last = Window.partitionBy("dev").orderBy(F.desc("day"))
    tail = (
        rows.join(hh, "dev", "left_semi")
        .select("dev", "day")
        .distinct()
        .withColumn("r", F.row_number().over(last))
        .where(F.col("r") <= k)
    )
    left = (
        tail.join(away, ["dev", "day"], "left")
        .groupBy("dev")
        .agg(F.count("*").alias("n"), F.count("away").alias("n_away"))
        .where((F.col("n") == k) & (F.col("n_away") == k))
        .select("dev")
    )
    return unassign(labels, left, LEFT_HOUSEHOLD)
