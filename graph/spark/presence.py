"""Presence table and network classes as Spark DataFrames (``PresenceTable`` + ``classify_table``).

Devices get the pure core's integer codes (rank of the sorted device key), so community
detection sees the same node numbers as on one machine.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from graph.clock import MIN_DEVICE_HOURS, with_profile
from graph.dualstack import PAIR_LIMIT
from graph.networks import CGNAT, HOME, UNKNOWN, classify_stats
from graph.params import DEVICE_TYPES, NETWORK_CLASSES, HouseholdParams
from graph.spark.calendar import local_sql, local_window_sql, lparts_sql
from graph.spark.errors import InputInvalid
from graph.spark.files import schema_problems
from graph.spark.session import materialize

__all__ = [
    "STATS",
    "classify_networks",
    "dense_codes",
    "evidence_rows",
    "local_presence",
    "network_stats",
    "presence_rows",
    "read_presence",
    "shared_keys",
]

_TV = DEVICE_TYPES.index("tv")
_HANDHELD = (DEVICE_TYPES.index("phone"), DEVICE_TYPES.index("tablet"))
#: The profile columns of ``graph.networks.network_stats``, in its order.
STATS = (
    "device_hours",
    "devices",
    "hours_active",
    "max_concurrent",
    "max_concurrent_tvs",
    "max_devices_per_day",
    "mean_days_per_device",
    "tvs",
    "handheld_share",
    "office_share",
    "home_share",
    "shared_v4_days",
)


def read_presence(spark: SparkSession, path: str) -> DataFrame:
    """The presence Parquet dataset at ``path``, checked: :class:`InputInvalid` if it is missing,
    empty or has other columns than ``graph.spark.files.PRESENCE_COLUMNS``."""
    from pyspark.errors import AnalysisException

    try:
        df = spark.read.parquet(path)
    except AnalysisException as err:
        raise InputInvalid(path, f"no readable Parquet presence data ({str(err).splitlines()[0]})") from err
    problems = schema_problems({f.name: f.dataType.simpleString() for f in df.schema.fields})
    if problems:
        raise InputInvalid(path, "schema mismatch: " + "; ".join(problems))
    if df.limit(1).count() == 0:
        raise InputInvalid(path, "the presence table is empty")
    return df


def dense_codes(keys: DataFrame, key: str, code: str) -> DataFrame:
    """``key, code``: each distinct key's rank (0, 1, ...) in sorted order, computed without a
    single-partition sort: range-partition by key, count each partition, offset the row
    numbers within each partition by the counts of the partitions before it."""
    parts = keys.repartitionByRange(key).withColumn("_pid", F.spark_partition_id())
    parts = materialize(parts)
    counts = dict(parts.groupBy("_pid").count().collect())
    offset, start = {}, 0
    for pid in sorted(counts):
        offset[pid], start = start, start + counts[pid]
    offsets = parts.sparkSession.createDataFrame(sorted(offset.items()), "_pid int, _offset long")
    within = F.row_number().over(Window.partitionBy("_pid").orderBy(key)) - 1
    return parts.join(F.broadcast(offsets), "_pid").select(key, (F.col("_offset") + within).alias(code))


def local_presence(raw: DataFrame, p: HouseholdParams) -> tuple[DataFrame, DataFrame, HouseholdParams]:
    """:func:`presence_rows` in the viewers' local time: ``(rows, devices, p)`` with ``p``'s
    offset read from the rows (``graph.clock``: the TVs' rows by UTC hour of day, every row's
    when TVs have fewer than ``MIN_DEVICE_HOURS``; 24 numbers to the driver)."""
    rows, devices = presence_rows(raw, p)
    if not p.network.infer_local_offset:
        return rows, devices, p
    hod = F.expr("pmod(hour div 3600000, 24)").cast("int")
    tv = (F.col("dtype") == DEVICE_TYPES.index("tv")).cast("int")
    counts = rows.groupBy(hod.alias("h"), tv.alias("tv")).agg(F.count("*").alias("n")).collect()
    by = np.zeros((2, 24), dtype=np.int64)
    for r in counts:
        by[int(r["tv"]), int(r["h"])] += int(r["n"])
    profile = by[1] if by[1].sum() >= MIN_DEVICE_HOURS else by.sum(axis=0)
    q = with_profile(p, profile)
    if q.network.local_offset_hours == p.network.local_offset_hours:
        return rows, devices, q
    rows, devices = presence_rows(raw, q)  # calendar columns in the local time read
    return rows, devices, q


def presence_rows(raw: DataFrame, p: HouseholdParams) -> tuple[DataFrame, DataFrame]:
    """(rows, devices): distinct ``(dev, network, hour)`` rows with summed events and calendar
    columns; and ``device, dev, dtype`` per device (dtype = most frequent typed value, ties by name).
    """
    raw = raw.select(
        F.col("device").cast("string"),
        F.col("device_type").cast("string"),
        F.col("network").cast("string"),
        F.coalesce(F.col("family").cast("int"), F.lit(4)).alias("family"),
        F.col("hour").cast("long"),
        F.coalesce(F.nullif(F.col("events").cast("int"), F.lit(0)), F.lit(1)).alias("events"),
    )
    best = Window.partitionBy("device").orderBy(F.desc("n"), F.asc("device_type"))
    dtype = (
        raw.where(F.col("device_type").isin(list(DEVICE_TYPES)))
        .groupBy("device", "device_type")
        .agg(F.count("*").alias("n"))
        .withColumn("r", F.row_number().over(best))
        .where("r = 1")
        .select(
            "device",
            (F.array_position(F.array(*map(F.lit, DEVICE_TYPES)), F.col("device_type")) - 1)
            .cast("int")
            .alias("dtype"),
        )
    )
    codes = dense_codes(raw.select("device").distinct(), "device", "dev")
    devices = materialize(codes.join(dtype, "device", "left").fillna({"dtype": -1}))
    local = local_sql("hour", p)
    lp = lparts_sql(local)
    rows = (
        raw.groupBy("device", "network", "hour")
        .agg(F.sum("events").alias("events"), F.max("family").alias("family"))
        .join(devices, "device")
        .withColumn("lhour", F.expr(lp["hour"]))
        .withColumn("lday", F.expr(lp["day"]))
        .withColumn("weekday", F.expr(lp["weekday"]))
        .withColumn("window", F.expr(local_window_sql(local, p)))
        .withColumn("block", F.expr(f"({local} div {p.block_hours * 3_600_000})"))
    )
    return rows, devices


def _first_pairs(df: DataFrame, group: list[str], value: str) -> DataFrame:
    """``group..., a, b`` (a < b) among each group's ``PAIR_LIMIT`` smallest distinct values
    (:func:`graph.dualstack.pairs_within`)."""
    rank = F.row_number().over(Window.partitionBy(*group).orderBy(value))
    firsts = df.select(*group, value).distinct().withColumn("_r", rank).where(F.col("_r") <= PAIR_LIMIT)
    a = firsts.select(*group, F.col(value).alias("a"))
    b = firsts.select(*group, F.col(value).alias("b"))
    return a.join(b, group).where(F.col("a") < F.col("b"))


def shared_v4_days(rows: DataFrame) -> DataFrame:
    """``network, shared_v4_days``: local days on which an IPv4 address was used in one hour next
    to two IPv6 networks no device used both of that day (:func:`graph.dualstack.shared_v4_days`)."""
    v4 = rows.where("family = 4").select("dev", "hour", F.col("network").alias("v4"))
    v6 = rows.where("family = 6").select("dev", "hour", "lday", F.col("network").alias("v6"))
    both = v4.join(v6, ["dev", "hour"])
    at_once = _first_pairs(both, ["v4", "hour"], "v6").join(
        both.select("v4", "hour", "lday").distinct(), ["v4", "hour"]
    )
    linked = _first_pairs(v6, ["dev", "lday"], "v6").select("lday", "a", "b").distinct()
    return (
        at_once.join(linked, ["lday", "a", "b"], "left_anti")
        .select("v4", "lday")
        .distinct()
        .groupBy(F.col("v4").alias("network"))
        .agg(F.count("*").cast("double").alias("shared_v4_days"))
    )


def network_stats(rows: DataFrame, p: HouseholdParams) -> DataFrame:
    """Per network the profile of ``graph.networks.network_stats`` (same names, as doubles)."""
    n = p.network
    weekend = F.col("weekday") >= 5
    office = ~weekend & (F.col("lhour") >= n.office_start) & (F.col("lhour") < n.office_end)
    home_time = weekend | (F.col("lhour") >= n.evening_start) | (F.col("lhour") < n.night_end)
    base = rows.groupBy("network").agg(
        F.count("*").cast("double").alias("device_hours"),
        F.max("family").alias("family"),
        F.sum(office.cast("double")).alias("_office"),
        F.sum(home_time.cast("double")).alias("_home"),
    )
    per_hour = (
        rows.groupBy("network", "hour")
        .agg(F.count("*").alias("c"), F.sum((F.col("dtype") == _TV).cast("double")).alias("tv"))
        .groupBy("network")
        .agg(
            F.count("*").cast("double").alias("hours_active"),
            F.max("c").cast("double").alias("max_concurrent"),
            F.max("tv").alias("max_concurrent_tvs"),
        )
    )
    ndd = rows.select("network", "lday", "dev").distinct()
    per_day = (
        ndd.groupBy("network", "lday")
        .count()
        .groupBy("network")
        .agg(F.max("count").cast("double").alias("max_devices_per_day"), F.sum("count").alias("_ndd"))
    )
    per_dev = (
        rows.select("network", "dev", "dtype")
        .distinct()
        .groupBy("network")
        .agg(
            F.count("*").cast("double").alias("devices"),
            F.sum((F.col("dtype") == _TV).cast("double")).alias("tvs"),
            F.sum(F.col("dtype").isin(list(_HANDHELD)).cast("double")).alias("_hand"),
            F.sum((F.col("dtype") >= 0).cast("double")).alias("_typed"),
        )
    )
    return (
        base.join(per_hour, "network")
        .join(per_day, "network")
        .join(per_dev, "network")
        .join(shared_v4_days(rows), "network", "left")
        .fillna({"shared_v4_days": 0.0})
        .select(
            "network",
            "family",
            "device_hours",
            "devices",
            "hours_active",
            "max_concurrent",
            "max_concurrent_tvs",
            "max_devices_per_day",
            (F.col("_ndd") / F.greatest(F.col("devices"), F.lit(1.0))).alias("mean_days_per_device"),
            "tvs",
            (F.col("_hand") / F.greatest(F.col("_typed"), F.lit(1.0))).alias("handheld_share"),
            (F.col("_office") / F.greatest(F.col("device_hours"), F.lit(1.0))).alias("office_share"),
            (F.col("_home") / F.greatest(F.col("device_hours"), F.lit(1.0))).alias("home_share"),
            "shared_v4_days",
        )
    )


def _classify_batches(p: HouseholdParams):
    def run(batches):
        for b in batches:
            s = {k: b[k].to_numpy(dtype=np.float64) for k in STATS}
            cls = classify_stats(s, p.network)
            ev = [
                json.dumps({**{k: round(float(s[k][i]), 3) for k in STATS}}, sort_keys=True)
                for i in range(len(b))
            ]
            yield pd.DataFrame({"network": b["network"], "cls": cls.astype(np.int32), "evidence": ev})

    return run


def classify_networks(stats: DataFrame, p: HouseholdParams) -> DataFrame:
    """``network, cls, class, weight, evidence``: the class through the pure
    :func:`graph.networks.classify_stats`, and each class's weight as household evidence."""
    cls = stats.mapInPandas(_classify_batches(p), "network string, cls int, evidence string")
    weight = (
        F.when(F.col("cls") == HOME, F.lit(float(p.home_weight)))
        .when(F.col("cls") == UNKNOWN, F.lit(float(p.unknown_weight)))
        .otherwise(F.lit(0.0))
    )
    names = F.array(*map(F.lit, NETWORK_CLASSES))
    return cls.select(
        "network",
        "cls",
        F.element_at(names, F.col("cls") + 1).alias("class"),
        weight.alias("weight"),
        (F.col("cls") == CGNAT).alias("is_cgnat"),
        F.col("cls").isin(p.residence_codes).alias("residence"),
        "evidence",
    )


def shared_keys(rows: DataFrame, classes: DataFrame, p: HouseholdParams) -> DataFrame:
    """``dev`` of every key that is many devices (``graph.households.shared_keys``): on more than
    ``max_residences_per_hour`` residence networks within one hour, in ``shared_key_min_hours``
    hours or more. ``classes``: ``network, residence``."""
    res = classes.where(F.col("residence")).select("network")
    return (
        rows.join(res, "network", "left_semi")
        .groupBy("dev", "hour")
        .agg(F.countDistinct("network").alias("networks"))
        .where(F.col("networks") > p.max_residences_per_hour)
        .groupBy("dev")
        .agg(F.count("*").alias("hours"))
        .where(F.col("hours") >= p.shared_key_min_hours)
        .select("dev")
    )


def evidence_rows(rows: DataFrame, p: HouseholdParams) -> tuple[DataFrame, DataFrame, DataFrame]:
    """``(rows, classes, shared)``: the presence rows without the keys that are many devices
    (``shared``: ``dev``), and the network classes read without them
    (``graph.households.shared_keys.evidence_table``)."""
    classes = materialize(classify_networks(network_stats(rows, p).drop("family"), p))
    shared = materialize(shared_keys(rows, classes, p))
    if not shared.isEmpty():  # no evidence, for the networks either
        rows = materialize(rows.join(shared, "dev", "left_anti"))
        classes = materialize(classify_networks(network_stats(rows, p).drop("family"), p))
    return rows, classes, shared
