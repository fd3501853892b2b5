"""Confidence and evidence of each membership on Spark (``graph.households.evidence``), and the
output tables in the shape of ``graph.households.household_rows``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType

from graph.params import DEVICE_TYPES, HouseholdParams
from graph.spark.copresence import ordered_values
from graph.spark.session import materialize

__all__ = ["household_tables", "membership_evidence", "np_mean3"]

_TV = DEVICE_TYPES.index("tv")


def calibrated(x, curve: tuple[tuple[float, float], ...]):
    """The pure core's :func:`graph.households.evidence.calibrate` as a Column: linear between the
    curve's points, flat beyond them (what ``np.interp`` does)."""
    if not curve:
        return x
    xs, ys = zip(*curve)
    out = F.lit(float(ys[-1]))
    for i in reversed(range(len(xs) - 1)):
        x0, x1, y0, y1 = xs[i], xs[i + 1], ys[i], ys[i + 1]
        seg = (
            F.lit(float(y0)) + (x - F.lit(float(x0))) * F.lit((y1 - y0) / (x1 - x0)) if x1 > x0 else F.lit(y1)
        )
        out = F.when(x < F.lit(float(x1)), seg).otherwise(out)
    return F.when(x <= F.lit(float(xs[0])), F.lit(float(ys[0]))).otherwise(out)


@F.pandas_udf(DoubleType())
def np_mean3(values: pd.Series) -> pd.Series:
    """``round(float(np.mean(v)), 3)`` of each array, as the pure core rounds a household's confidence."""
    return values.map(lambda v: round(float(np.mean(np.asarray(v, dtype=np.float64))), 3))


def _fold(order: str, value: str):
    """Sequential sum in ``order`` (what ``np.bincount(..., weights)`` computes)."""
    return F.aggregate(ordered_values(order, value), F.lit(0.0), lambda acc, x: acc + x)


def _top(df: DataFrame, group: str, top: int) -> DataFrame:
    """Most frequent networks per group, ties by the smaller network key."""
    w = Window.partitionBy(group).orderBy(F.desc("n"), F.asc("network"))
    ranked = df.groupBy(group, "network").agg(F.count("*").alias("n")).withColumn("r", F.row_number().over(w))
    return (
        ranked.where(F.col("r") <= top)
        .groupBy(group)
        .agg(
            F.transform(F.array_sort(F.collect_list(F.struct("r", "network"))), lambda x: x["network"]).alias(
                "networks"
            )
        )
    )


def membership_evidence(
    labels: DataFrame, pairs: DataFrame, pair_windows: DataFrame, ev_rows: DataFrame, p: HouseholdParams
) -> tuple[DataFrame, DataFrame]:
    """(per assigned device, per household) evidence columns.

    Per device: ``dev, cluster, confidence, windows_together, nights_together, copresent_hours,
    networks``; per household: ``cluster, networks``.
    """
    # a device that joined without a window together counts one (graph.households.evidence)
    alone = F.col("alone_join") if "alone_join" in labels.columns else F.lit(False)
    lab = labels.where(F.col("cluster").isNotNull()).select(
        "dev", "cluster", "home_windows", alone.alias("alone_join")
    )
    la = lab.select(F.col("dev").alias("a"), F.col("cluster").alias("la"))
    lb = lab.select(F.col("dev").alias("b"), F.col("cluster").alias("lb"))
    pl = pairs.join(la, "a", "left").join(lb, "b", "left")
    same = pl.where(F.col("la") == F.col("lb"))
    tot = (
        pl.groupBy(F.col("a").alias("dev"))
        .agg(_fold("b", "weight").alias("t1"))
        .join(pl.groupBy(F.col("b").alias("dev")).agg(_fold("a", "weight").alias("t2")), "dev", "full")
    )
    sin = (
        same.groupBy(F.col("a").alias("dev"))
        .agg(_fold("b", "weight").alias("i1"))
        .join(same.groupBy(F.col("b").alias("dev")).agg(_fold("a", "weight").alias("i2")), "dev", "full")
    )
    spw = pair_windows.join(same.select("a", "b"), ["a", "b"])
    dw = spw.select(F.col("a").alias("dev"), "window").union(spw.select(F.col("b").alias("dev"), "window"))
    tog = (
        dw.distinct()
        .groupBy("dev")
        .agg(
            F.count("*").alias("windows_together"),
            F.sum((F.col("window") % 2 == 1).cast("long")).alias("nights_together"),
        )
    )
    size = lab.groupBy("cluster").agg(F.count("*").alias("hh_size"))
    d = (
        lab.join(size, "cluster")
        .join(tot, "dev", "left")
        .join(sin, "dev", "left")
        .join(tog, "dev", "left")
        .fillna(0.0, ["t1", "t2", "i1", "i2"])
        .fillna(0, ["windows_together", "nights_together"])
        .withColumn("windows_together", F.greatest("windows_together", F.col("alone_join").cast("long")))
    )
    s_tot, s_in = F.col("t1") + F.col("t2"), F.col("i1") + F.col("i2")
    cohesion = F.when(s_tot > 0, s_in / s_tot).otherwise(F.lit(1.0))
    cw = float(p.confident_windows)
    support = F.least(F.lit(1.0), F.col("windows_together") / F.lit(cw))
    solo = F.least(
        F.lit(float(p.singleton_confidence)),
        cohesion * F.least(F.lit(1.0), F.col("home_windows") / F.lit(cw)),
    )
    conf = calibrated(F.when(F.col("hh_size") == 1, solo).otherwise(cohesion * support), p.confidence_curve)
    d = materialize(d.withColumn("confidence", F.rint(conf * 1000.0) / 1000.0))

    # hours in which another member was on the same home network
    r = ev_rows.select("dev", "network", "hour").join(lab.select("dev", "cluster"), "dev")
    both = r.join(
        r.groupBy("network", "hour", "cluster").agg(F.count("*").alias("k")).where("k >= 2"),
        ["network", "hour", "cluster"],
    ).select("dev", "cluster", "network", "hour")
    both = materialize(both)
    hours = both.select("dev", "hour").distinct().groupBy("dev").agg(F.count("*").alias("copresent_hours"))
    dev_nets = _top(both, "dev", p.max_evidence_networks)
    hh_nets = _top(both, "cluster", p.max_evidence_networks)
    d = (
        d.join(hours, "dev", "left")
        .join(dev_nets, "dev", "left")
        .fillna(0, ["copresent_hours"])
        .select(
            "dev",
            "cluster",
            "hh_size",
            "home_windows",
            "confidence",
            "windows_together",
            "nights_together",
            "copresent_hours",
            F.coalesce("networks", F.array().cast("array<string>")).alias("networks"),
        )
    )
    return materialize(d), materialize(hh_nets)


def household_tables(
    labels: DataFrame, evidence: DataFrame, hh_nets: DataFrame, devices: DataFrame, stats: DataFrame
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(memberships, households, unassigned) in the columns of the Parquet output."""
    ev = (
        evidence.join(devices, "dev")
        .join(stats.select("dev", "home_nights"), "dev", "left")
        .fillna(0, ["home_nights"])
    )
    w = Window.partitionBy("cluster").orderBy(
        F.desc((F.col("dtype") == _TV).cast("int")), F.desc("home_windows"), F.asc("dev")
    )
    anchor = (
        ev.withColumn("r", F.row_number().over(w))
        .where("r = 1")
        .select("cluster", F.col("device").alias("anchor_device"))
    )
    names = F.array(*map(F.lit, DEVICE_TYPES))
    tname = F.when(F.col("dtype") >= 0, F.element_at(names, F.col("dtype") + 1)).otherwise(F.lit("unknown"))
    types = (
        ev.groupBy("cluster", tname.alias("t"))
        .agg(F.count("*").alias("n"))
        .groupBy("cluster")
        .agg(
            F.to_json(F.map_from_entries(F.array_sort(F.collect_list(F.struct("t", "n"))))).alias(
                "device_types"
            )
        )
    )
    order = labels.where(F.col("cluster").isNotNull()).select("cluster", "split", "component").distinct()
    hh = (
        ev.groupBy("cluster")
        .agg(
            F.count("*").alias("size"),
            ordered_values("dev", "device").alias("devices"),
            np_mean3(ordered_values("dev", "confidence")).alias("confidence"),
        )
        .withColumn(
            "household_id",
            F.concat(
                F.lit("hh-"), F.substring(F.sha2(F.concat_ws("\n", F.array_sort("devices")), 256), 1, 16)
            ),
        )
        .join(anchor, "cluster")
        .join(types, "cluster")
        .join(hh_nets, "cluster", "left")
        .join(order, "cluster")
        .select(
            "household_id",
            "size",
            "devices",
            "anchor_device",
            "device_types",
            F.coalesce("networks", F.array().cast("array<string>")).alias("home_networks"),
            "confidence",
            F.lit("new").alias("lineage"),
            F.lit("[]").alias("previous"),
            "split",
            "component",
            "cluster",
        )
    )
    hh = materialize(hh)
    evidence_json = F.to_json(
        F.struct(
            F.col("anchor_device"),
            F.col("copresent_hours"),
            (F.col("windows_together") - F.col("nights_together")).alias("days_together"),
            F.col("networks").alias("home_networks"),
            F.col("home_nights"),
            F.col("home_windows"),
            F.col("nights_together"),
            F.col("windows_together"),
        )
    )
    members = ev.join(hh.select("cluster", "household_id", "anchor_device"), "cluster").select(
        "device", "household_id", "confidence", evidence_json.alias("evidence")
    )
    unassigned = (
        labels.where(F.col("cluster").isNull())
        .join(devices, "dev")
        .select("device", "reason", F.col("home_windows").cast("long"))
    )
    return members, hh, unassigned
