"""Co-presence of device pairs on Spark: the steps of ``graph.households.copresence`` and
``graph.households.cgnat`` as joins and aggregations.

Weights are summed by numpy inside a pandas UDF over each pair's window-ordered values, so
floating-point sums come out bit-identical to the pure core.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType

from graph.networks import _fits
from graph.params import HouseholdParams
from graph.spark.calendar import address_day_sql, local_window_sql
from graph.spark.components import connected_components
from graph.spark.session import materialize

__all__ = [
    "PW_BLOCKSIZE",
    "address_pools",
    "cgnat_pairs",
    "copresence",
    "np_sum",
    "ordered_values",
    "pairwise_sum_sql",
    "stint_evidence",
]


@F.pandas_udf(DoubleType())
def np_sum(values: pd.Series) -> pd.Series:
    """numpy's (pairwise) sum of each array, as the pure core's ``np.add.reduceat`` computes it."""
    return values.map(lambda v: float(np.add.reduce(np.asarray(v, dtype=np.float64))))


#: numpy sums float64 arrays pairwise: up to this length in one unrolled block of 8 accumulators
PW_BLOCKSIZE = 128


def pairwise_sum_sql(arr: str) -> str:
    """SQL of numpy's ``np.add.reduce`` of a double array of at most :data:`PW_BLOCKSIZE` values,
    bit for bit: a plain loop below 8 values, else 8 strided accumulators combined as
    ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))`` and the remainder added in order
    (``pairwise_sum`` in numpy's ``loops_utils.h``). Runs in the JVM, no Python round trip.

    >>> "aggregate" in pairwise_sum_sql("ws")
    True
    """
    n = f"size({arr})"
    add = "0D, (acc, x) -> acc + x"
    n8 = f"({n} - {n} % 8)"
    r = [f"aggregate(filter({arr}, (x, i) -> i % 8 = {j} AND i < {n8}), {add})" for j in range(8)]
    block = f"((({r[0]} + {r[1]}) + ({r[2]} + {r[3]})) + (({r[4]} + {r[5]}) + ({r[6]} + {r[7]})))"
    rest = f"aggregate(slice({arr}, {n8} + 1, greatest({n} % 8, 1)), {block}, (acc, x) -> acc + x)"
    tail = f"IF({n} % 8 = 0, {block}, {rest})"
    return f"IF({n} < 8, aggregate({arr}, {add}), {tail})"


def ordered_values(order: str, value: str):
    """The ``value`` column of a group, ordered by ``order`` (for sums that must match numpy's)."""
    return F.transform(F.array_sort(F.collect_list(F.struct(order, value))), lambda x: x[value])


def _pairs(left: DataFrame, right: DataFrame, on: list[str]) -> DataFrame:
    """``a < b`` device pairs that share ``on``."""
    lhs, rhs = left.withColumnRenamed("dev", "a"), right.withColumnRenamed("dev", "b")
    return lhs.join(rhs, on).where("a < b")


def stint_evidence(e: DataFrame, agreed: DataFrame, pools: DataFrame) -> DataFrame:
    """``a, b, evidence`` (nats) of ``cgnat._stint_evidence``: per pair, summed in (day, address)
    order over its stints (the first shared day, and each shared day on another address than the
    pair's previous one), ``-log`` of the share, among that day's devices behind the address's
    pool, of those on it that day.

    ``e`` are the distinct ``dev, day, network`` CGNAT entries; ``agreed`` the ``a, b, day,
    network`` entries both devices of a pair share; ``pools`` the ``network, pool`` of
    :func:`address_pools`.
    """
    counts = e.groupBy("day", "network").agg(F.count("*").alias("k"))
    ep = e.join(pools, "network")
    pop = ep.select("dev", "day", "pool").distinct().groupBy("day", "pool").agg(F.count("*").alias("pop"))
    share = (
        counts.join(pools, "network")
        .join(pop, ["day", "pool"])
        .select(
            "day",
            "network",
            (-F.log(F.least(F.greatest(F.col("k") / F.col("pop"), F.lit(1e-9)), F.lit(1.0)))).alias("w"),
        )
    )
    order = Window.partitionBy("a", "b").orderBy("day", "network")
    prev = F.lag("network").over(order)
    stints = (
        agreed.join(share, ["day", "network"])
        .withColumn("start", prev.isNull() | (prev != F.col("network")))
        .where("start")
    )
    total = F.aggregate(
        F.transform(F.array_sort(F.collect_list(F.struct("day", "network", "w"))), lambda x: x["w"]),
        F.lit(0.0),
        lambda acc, x: acc + x,
    )
    return stints.groupBy("a", "b").agg(total.alias("evidence"))


def address_pools(e: DataFrame, size: DataFrame) -> DataFrame:
    """``network, pool`` of every CGNAT address (``cgnat.address_pools``): addresses joined by a
    move several devices made together (``size``: ``network, net2, k`` per move); an address no
    such move touches is its own pool. Pools are numbered by their smallest address code."""
    code = materialize(
        e.select("network").distinct().withColumn("nid", F.dense_rank().over(Window.orderBy("network")))
    )
    edges = (
        size.where(F.col("k") >= 2)
        .join(code, "network")
        .join(code.select(F.col("network").alias("net2"), F.col("nid").alias("nid2")), "net2")
        .select(F.col("nid").alias("u"), F.col("nid2").alias("v"))
    )
    comp = connected_components(edges).select(F.col("node").alias("nid"), F.col("component").alias("pool"))
    return materialize(
        code.join(comp, "nid", "left").select(
            "network", F.coalesce("pool", F.col("nid").cast("long")).alias("pool")
        )
    )


def cgnat_pairs(crows: DataFrame, p: HouseholdParams) -> tuple[DataFrame, DataFrame]:
    """(pair windows ``a, b, window``, devices ``dev``) of homes behind CGNAT (``cgnat.cgnat_pairs``).

    ``crows`` are the presence rows on CGNAT networks.
    """
    e = materialize(
        crows.select("dev", F.expr(address_day_sql("hour", p)).alias("day"), "network").distinct()
    )
    days_of = e.select("dev", "day").distinct().groupBy("dev").agg(F.count("*").alias("days"))
    # moves (day, address) -> (later day within the horizon, other address), each device once per move
    e2 = e.select("dev", F.col("day").alias("day2"), F.col("network").alias("net2"))
    moves = (
        e.join(e2, "dev")
        .where(
            (F.col("day2") > F.col("day"))
            & (F.col("day2") - F.col("day") <= p.cgnat_horizon_days)
            & (F.col("net2") != F.col("network"))
        )
        .select("dev", "day", "network", "day2", "net2")
        .distinct()
    )
    size = moves.groupBy("day", "network", "day2", "net2").agg(F.count("*").alias("k"))
    small = moves.join(
        size.where((F.col("k") >= 2) & (F.col("k") <= p.cgnat_max_group)), ["day", "network", "day2", "net2"]
    )
    key = ["day", "network", "day2", "net2"]
    pairs = (
        _pairs(small.select("dev", *key), small.select("dev", *key), key)
        .groupBy("a", "b")
        .agg(F.count("*").alias("moves"))
        .where(F.col("moves") >= p.cgnat_min_moves)
        .select("a", "b")
    )
    # verify: on the days both were behind the carrier, on the same address?
    ea = pairs.join(e.withColumnRenamed("dev", "a"), "a")
    eb = e.select(F.col("dev").alias("b"), "day", "network", F.lit(True).alias("agree"))
    db = e.select(F.col("dev").alias("b"), "day").distinct().withColumn("common", F.lit(True))
    checked = (
        ea.join(eb, ["b", "day", "network"], "left")
        .join(db, ["b", "day"], "left")
        .groupBy("a", "b")
        .agg(
            F.countDistinct(F.when(F.col("agree"), F.col("day"))).alias("agree_days"),
            F.countDistinct(F.when(F.col("common"), F.col("day"))).alias("common_days"),
        )
        .join(days_of.select(F.col("dev").alias("a"), F.col("days").alias("da")), "a")
        .join(days_of.select(F.col("dev").alias("b"), F.col("days").alias("db")), "b")
    )
    # a device that stays home (graph.households.cgnat.stays_home) is never away for a day
    home_bound = crows.select(
        "dev", ((F.col("dtype") >= 0) & ~F.col("dtype").isin(p.carried_codes)).alias("home_bound")
    ).distinct()
    checked = checked.join(
        home_bound.withColumnRenamed("dev", "a").withColumnRenamed("home_bound", "ha"), "a"
    ).join(home_bound.withColumnRenamed("dev", "b").withColumnRenamed("home_bound", "hb"), "b")
    agreement = F.when(F.col("ha") | F.col("hb"), F.lit(1.0)).otherwise(F.lit(p.cgnat_min_agreement))
    agree = F.col("agree_days")
    if p.cgnat_min_evidence > 0 or p.cgnat_pool_evidence_factor > 0:
        agreed = ea.join(eb, ["b", "day", "network"]).select("a", "b", "day", "network")
        pools = address_pools(e, size)
        pool_devices = (
            e.join(pools, "network")
            .select("pool", "dev")
            .distinct()
            .groupBy("pool")
            .agg(F.count("*").alias("n"))
        )
        crowd = (
            agreed.join(pools, "network")
            .join(pool_devices, "pool")
            .groupBy("a", "b")
            .agg(F.max("n").alias("n"))
        )
        need = F.greatest(
            F.lit(float(p.cgnat_min_evidence)),
            F.lit(float(p.cgnat_pool_evidence_factor))
            * F.log(F.greatest(F.col("n"), F.lit(1)).cast("double")),
        )
        gate = stint_evidence(e, agreed, pools).join(crowd, ["a", "b"]).where(F.col("evidence") >= need)
        checked = checked.join(gate, ["a", "b"], "left_semi")
    ok = materialize(
        checked.where(
            (agree >= p.cgnat_min_days)
            & (agree >= agreement * F.greatest(F.col("common_days"), F.lit(1)))
            & (agree >= p.cgnat_min_share * F.greatest(F.least("da", "db"), F.lit(1)))
        ).select("a", "b")
    )
    # shared windows: both on the same address in the same day window
    wk = crows.select("dev", "window", "network").distinct()
    pw = (
        ok.join(wk.withColumnRenamed("dev", "a"), "a")
        .join(wk.withColumnRenamed("dev", "b"), ["b", "window", "network"])
        .select("a", "b", "window")
        .distinct()
    )
    devices = ok.select(F.col("a").alias("dev")).union(ok.select(F.col("b").alias("dev"))).distinct()
    return materialize(pw), materialize(devices)


def copresence(
    rows: DataFrame, n_devices: int, window_span: int, p: HouseholdParams
) -> tuple[DataFrame, DataFrame, DataFrame, DataFrame]:
    """(pairs, pair windows, device stats, evidence rows) of ``rows`` joined with network classes.

    pairs: ``a, b, together, nights, weight, fraction``; pair windows: ``a, b, window``;
    device stats: ``dev, home_windows, home_nights, live``; evidence rows: the presence rows
    that count as home evidence (``cp.rows`` of the pure core).
    """
    home = rows.where("weight > 0")
    live = (
        rows.where("residence")
        .select("dev", "window")
        .distinct()
        .groupBy("dev")
        .agg(F.count("*").alias("live"))
    )
    crows = rows.where("is_cgnat")
    cg_pw, cg_devices = cgnat_pairs(crows, p)
    ev_rows = materialize(home.unionByName(crows.join(cg_devices, "dev", "left_semi")))
    dw = ev_rows.select("dev", "window").distinct()
    hw = dw.groupBy("dev").agg(
        F.count("*").alias("home_windows"),
        F.sum((F.col("window") % 2 == 1).cast("long")).alias("home_nights"),
    )
    stats = materialize(hw.join(live, "dev", "full").fillna(0))

    groups = home.select("network", "block", "dev", "weight").distinct()
    k = F.count("*").over(Window.partitionBy("network", "block"))
    groups = (
        groups.withColumn("k", k)
        .where(F.col("k") <= p.max_group_devices)
        .withColumn(
            "contrib",
            F.col("weight") * F.least(F.lit(1.0), F.lit(p.full_weight_devices) / F.greatest("k", F.lit(1))),
        )
        .withColumn("window", F.expr(local_window_sql(f"(block * {p.block_hours * 3_600_000})", p)))
    )
    g = groups.select("network", "block", "dev", "window", "contrib")
    pw = _pairs(g, g.select("network", "block", "dev"), ["network", "block"]).select(
        "a", "b", "window", "contrib"
    )
    pw = pw.unionByName(cg_pw.withColumn("contrib", F.lit(float(p.cgnat_weight))))
    # a pair counts a window once, at its best (least crowded) network block; on one machine the
    # contribution is quantised to 6 bits when the sort key fits 62 bits, so it is here too
    best = pw.groupBy("a", "b", "window").agg(F.max("contrib").alias("c"))
    if _fits(max(n_devices, 1), max(n_devices, 1), window_span, 64):
        cmax = best.agg(F.max("c")).first()[0] or 1.0
        bad = F.rint((F.lit(1.0) - F.col("c") / F.lit(cmax)) * 63)
        best = best.withColumn("c", (F.lit(63.0) - bad) / F.lit(63.0) * F.lit(cmax))
    night = F.col("window") % 2 == 1
    best = best.withColumn(
        "w", F.col("c") * F.when(night, F.lit(p.night_weight)).otherwise(F.lit(p.day_weight))
    )
    best = materialize(best)
    pairs = best.groupBy("a", "b").agg(
        F.count("*").alias("together"),
        F.sum(night.cast("long")).alias("nights"),
        ordered_values("window", "w").alias("ws"),
    )
    # numpy's pairwise sum in SQL when no pair can have more windows than one unrolled block
    weight = F.expr(pairwise_sum_sql("ws")) if window_span <= PW_BLOCKSIZE else np_sum("ws")
    pairs = pairs.withColumn("weight", weight).drop("ws")
    room = stats.select("dev", F.greatest("home_windows", "live").alias("room"))
    pairs = (
        pairs.join(room.withColumnRenamed("dev", "a").withColumnRenamed("room", "ra"), "a", "left")
        .join(room.withColumnRenamed("dev", "b").withColumnRenamed("room", "rb"), "b", "left")
        .fillna({"ra": 0, "rb": 0})
        .withColumn("fraction", F.col("together") / F.greatest(F.least("ra", "rb"), F.lit(1)))
        .select("a", "b", "together", "nights", "weight", "fraction")
    )
    return materialize(pairs), best.select("a", "b", "window"), stats, ev_rows
