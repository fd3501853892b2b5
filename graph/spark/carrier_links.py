"""Links seen only behind carriers on Spark: :mod:`graph.carrier_links`' posterior as joins and
aggregations over the CGNAT visits (one row per visit row and candidate host)."""

from __future__ import annotations

import math

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from graph.params import SocialParams

__all__ = ["carrier_link_pairs"]


def carrier_link_pairs(cg: DataFrame, households: int, sp: SocialParams) -> DataFrame:
    """``lo, hi, friends`` (household codes, ``friends`` true) of the pairs whose visits behind
    CGNAT make them friends with at least ``sp.carrier_link_posterior``, as
    :func:`graph.carrier_links.carrier_link_pairs` computes them.

    ``cg`` holds :func:`graph.spark.social.link_visits`' CGNAT rows: ``hh`` (visitor), ``host``,
    ``window``, ``network``, ``n_day``.
    """
    q = 1.0 / sp.carrier_friends
    p = sp.carrier_link_posterior
    rows = cg.select(
        F.col("hh").alias("visitor"), "host", F.expr("window div 2").alias("date"), "network", "n_day"
    )
    # a visit: a household's carrier rows on one date; its candidates, its first address, N
    visit = rows.groupBy("visitor", "date").agg(
        F.countDistinct("host").alias("k"), F.max("n_day").alias("n"), F.min("network").alias("first")
    )
    named = (
        rows.select("visitor", "date", "host")
        .distinct()
        .join(visit, ["visitor", "date"])
        .withColumn("n", F.greatest("n", "k"))
        .withColumn("lo", F.least("visitor", "host"))
        .withColumn("hi", F.greatest("visitor", "host"))
        .withColumn("w", F.log(F.lit(1.0 - q) + F.lit(q) * F.col("n") / F.col("k")))
    )
    # namings on one address count once (the pair's best there), either direction
    score = (
        named.groupBy("lo", "hi", "first")
        .agg(F.max("w").alias("w"))
        .groupBy("lo", "hi")
        .agg(F.sum("w").alias("score"))
    )
    naming = named.groupBy("lo", "hi").agg(F.count("*").alias("naming"))
    visits = visit.groupBy("visitor").agg(F.count("*").alias("nv"))
    v_lo = visits.select(F.col("visitor").alias("lo"), F.col("nv").alias("nv_lo"))
    v_hi = visits.select(F.col("visitor").alias("hi"), F.col("nv").alias("nv_hi"))
    unnamed = F.coalesce("nv_lo", F.lit(0)) + F.coalesce("nv_hi", F.lit(0)) - F.col("naming")
    odds = (
        F.lit(math.log(sp.carrier_friends / max(households, 1)))
        + F.col("score")
        + F.lit(math.log(1.0 - q)) * unnamed
    )
    return (
        score.join(naming, ["lo", "hi"])
        .join(v_lo, "lo", "left")
        .join(v_hi, "hi", "left")
        .where(odds >= math.log(p / (1.0 - p)))
        .select("lo", "hi", F.lit(True).alias("friends"))
    )
