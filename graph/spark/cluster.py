"""Devices into households on Spark: thresholded edges, connected components, and Louvain
splits of the components that need them, per component in a grouped pandas UDF.

The split step calls the pure core's :func:`graph.clustering.split_graph` with the same
:class:`graph.clustering.Partitioner`, on the same device codes and edge order, so a split
comes out as on one machine.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from graph.clustering import Partitioner, louvain_partition
from graph.households.attach import ATTACHABLE, lease_hosts
from graph.households.cluster import SHARED_KEY, UNASSIGNED_REASONS, split_households
from graph.networks import CGNAT, HOME
from graph.params import DAY_MS, HouseholdParams, SocialParams
from graph.spark.apart import apart_pairs
from graph.spark.calendar import address_day_sql
from graph.spark.components import connected_components
from graph.spark.session import materialize

__all__ = [
    "attach_short_histories",
    "cluster_devices",
    "edges",
    "join_v4_sides",
    "mark_shared_keys",
    "split_component",
]


def edges(pairs: DataFrame, stats: DataFrame, p: HouseholdParams) -> DataFrame:
    """Pairs strong enough to be a household tie (``graph.households.cluster.edge_mask``)."""
    ok = stats.where(F.col("home_windows") >= p.min_home_windows).select("dev")
    return (
        pairs.where((F.col("together") >= p.min_together) & (F.col("fraction") >= p.min_fraction))
        .join(ok.withColumnRenamed("dev", "a"), "a", "left_semi")
        .join(ok.withColumnRenamed("dev", "b"), "b", "left_semi")
        .select("a", "b", "weight")
    )


def split_component(
    a: np.ndarray,
    b: np.ndarray,
    w: np.ndarray,
    size: int,
    p: HouseholdParams,
    seed: int,
    partition: Partitioner,
    init: dict[int, str | None] | None = None,
    apart: list[tuple[int, int]] | None = None,
) -> list[list[int]]:
    """Households of one component that needs splitting (edges ``a < b`` sorted by ``(a, b)``);
    ``init``: the stored household per device code, for a warm start; ``apart``: its screens that
    were apart (the pure core's :func:`graph.households.cluster.cluster_devices`).

    >>> a, b = np.array([0, 0, 1, 3, 3, 4, 2]), np.array([1, 2, 2, 4, 5, 5, 3])
    >>> split_component(a, b, np.ones(7), 6, HouseholdParams(max_household_size=3), 0, louvain_partition)
    [[0, 1, 2], [3, 4, 5]]
    >>> ring_a, ring_b = np.array([0, 0, 1, 2, 3, 4, 5, 6]), np.array([1, 7, 2, 3, 4, 5, 6, 7])
    >>> p4 = HouseholdParams(max_household_size=4)
    >>> split_component(ring_a, ring_b, np.ones(8), 8, p4, 0, louvain_partition)  # cold
    [[0, 6, 7], [1, 2], [3, 4, 5]]
    >>> stored = dict(enumerate("CAAABBCC"))
    >>> split_component(ring_a, ring_b, np.ones(8), 8, p4, 0, louvain_partition, init=stored)  # warm
    [[0, 6, 7], [1, 2, 3], [4, 5]]
    """
    G = nx.Graph()
    G.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist()))
    return split_households(G, size, p, seed, partition, init, apart or ())


def _splitter(p: HouseholdParams, seed: int, partition: Partitioner, warm: bool):
    def run(pdf: pd.DataFrame) -> pd.DataFrame:
        pdf = pdf.sort_values(["a", "b"], kind="stable")
        size, comp = int(pdf["size"].iloc[0]), int(pdf["component"].iloc[0])
        cut = pdf["apart"].to_numpy(dtype=bool)
        apart = list(zip(pdf["a"][cut].tolist(), pdf["b"][cut].tolist()))
        pdf = pdf[~cut]
        init = None
        if warm:  # stored household per device code, from both ends of the edges
            init = dict(zip(pdf["a"].tolist(), pdf["a_prev"].tolist()))
            init.update(zip(pdf["b"].tolist(), pdf["b_prev"].tolist()))
            init = {k: (v if isinstance(v, str) else None) for k, v in init.items()}
        parts = split_component(
            pdf["a"].to_numpy(),
            pdf["b"].to_numpy(),
            pdf["weight"].to_numpy(),
            size,
            p,
            seed,
            partition,
            init,
            apart,
        )
        dev, part, alone = [], [], []
        for members in parts:
            dev += members
            part += [members[0]] * len(members)
            alone += [len(members) == 1] * len(members)
        return pd.DataFrame({"dev": dev, "component": comp, "part": part, "split_alone": alone})

    return run


def cluster_devices(
    pairs: DataFrame,
    stats: DataFrame,
    devices: DataFrame,
    p: HouseholdParams,
    *,
    seed: int = 0,
    partition: Partitioner = louvain_partition,
    previous: DataFrame | None = None,
    fixed: DataFrame | None = None,
) -> DataFrame:
    """``dev, cluster, split, component, reason`` per device (``cluster_devices`` of the pure core).
    ``previous`` (``dev, household``: the stored households, live mode) warm-starts the splits
    of large components as the pure core's ``run_households(previous=...)`` does; ``fixed``
    (``graph.spark.apart.fixed_rows``): a component holding screens that were apart is split.

    ``cluster`` is the smallest device code of the household (null when unassigned, then
    ``reason`` says why); households are listed in the pure core's label order by
    ``(split, component, cluster)``.
    """
    e = materialize(edges(pairs, stats, p))
    comp = connected_components(e.select(F.col("a").alias("u"), F.col("b").alias("v")))
    comp = materialize(comp.select(F.col("node").alias("dev"), "component"))
    csize = comp.groupBy("component").agg(F.count("*").alias("size"))
    cedges = e.join(comp.withColumnRenamed("dev", "a"), "a").groupBy("component").agg(F.count("*").alias("m"))
    dens = F.lit(2.0) * F.col("m") / F.greatest(F.col("size") * (F.col("size") - 1), F.lit(1))
    apart = materialize(apart_pairs(fixed, comp, p)) if fixed is not None else None
    cinfo = csize.join(cedges, "component")
    split = (F.col("size") > p.max_household_size) | ((F.col("size") > 2) & (dens < p.min_density))
    if apart is not None:
        held = apart.select("component").distinct().withColumn("_apart", F.lit(True))
        cinfo = cinfo.join(held, "component", "left")
        split = split | F.coalesce(F.col("_apart"), F.lit(False))
    cinfo = cinfo.withColumn("split", split)
    todo = cinfo.where("split").select("component", "size")
    sedges = e.join(comp.withColumnRenamed("dev", "a"), "a").join(todo, "component")
    sedges = sedges.withColumn("apart", F.lit(False))
    if apart is not None:  # the apart pairs ride along with their component's edges
        sedges = sedges.unionByName(
            apart.join(todo, "component").withColumn("weight", F.lit(0.0)).withColumn("apart", F.lit(True))
        )
    warm = previous is not None and p.warm_start
    if warm:
        prev = previous.select("dev", F.col("household").cast("string"))
        sedges = sedges.join(prev.toDF("a", "a_prev"), "a", "left").join(
            prev.toDF("b", "b_prev"), "b", "left"
        )
    parts = materialize(
        sedges.groupBy("component").applyInPandas(
            _splitter(p, seed, partition, warm), "dev long, component long, part long, split_alone boolean"
        )
    )
    # every device: its component (itself when in no edge), and its part when split
    out = (
        devices.select("dev")
        .join(stats, "dev", "left")
        .fillna(0, ["home_windows", "home_nights", "live"])
        .join(comp, "dev", "left")
        .join(cinfo.select("component", "size", "split"), "component", "left")
        .join(parts.select("dev", "part", "split_alone"), "dev", "left")
        .select(
            "dev",
            "home_windows",
            F.coalesce("component", "dev").alias("component"),
            F.coalesce("split", F.lit(False)).alias("split"),
            F.coalesce("part", "component", "dev").alias("cluster"),
            F.when(F.col("split"), F.col("split_alone"))
            .otherwise(F.coalesce(F.col("size"), F.lit(1)) == 1)
            .alias("alone"),
        )
    )
    hw = F.col("home_windows")
    reason = (
        F.when(hw == 0, F.lit(UNASSIGNED_REASONS[0]))
        .when(hw < p.min_home_windows, F.lit(UNASSIGNED_REASONS[1]))
        .when(F.col("alone") & (hw < p.singleton_min_windows), F.lit(UNASSIGNED_REASONS[2]))
    )
    return materialize(
        out.withColumn("reason", reason).withColumn(
            "cluster", F.when(F.col("reason").isNull(), F.col("cluster"))
        )
    )


def _lease_hosts(sp: SocialParams):
    def run(pdf: pd.DataFrame) -> pd.DataFrame:
        net = pd.factorize(pdf["network"])[0].astype(np.int64)
        host = lease_hosts(
            net,
            pdf["hh"].to_numpy(np.int64),
            pdf["hour"].to_numpy(np.int64),
            pdf["window"].to_numpy(np.int64),
            sp,
        )
        return pd.DataFrame({"dev": pdf["dev"].to_numpy(), "host": host})

    return run


def _lease_households(labels: DataFrame, cand: DataFrame, crow: DataFrame, p: HouseholdParams) -> DataFrame:
    """``dev, j_cluster, j_split, j_component`` of the candidates (``cand``: ``dev``) whose every
    row on a residence network has one and the same ``lease_hosts`` household (the pure core's
    ``graph.households.attach.lease_households``, with its household codes: the label order
    ``(split, component, cluster)``, a candidate ``k + dev``)."""
    hh = labels.where(F.col("cluster").isNotNull()).select("cluster", "split", "component").distinct()
    order = Window.orderBy("split", "component", "cluster")
    codes = materialize(hh.withColumn("code", F.dense_rank().over(order) - 1))
    k = codes.count()
    assigned = (
        labels.where(F.col("cluster").isNotNull())
        .select("dev", "cluster")
        .join(codes.select("cluster", "code"), "cluster")
    )
    home = crow.where(F.col("cls") == HOME).select("dev", "network", "hour", "window")
    home = home.join(home.join(cand, "dev").select("network").distinct(), "network", "left_semi")
    rows = home.join(assigned.select("dev", F.col("code").alias("hh")), "dev").unionByName(
        home.join(cand, "dev").withColumn("hh", F.col("dev") + F.lit(k))
    )
    buckets = int(crow.sparkSession.conf.get("spark.sql.shuffle.partitions"))
    hosts = (
        rows.withColumn("bucket", F.pmod(F.xxhash64("network"), F.lit(buckets)))
        .groupBy("bucket")
        .applyInPandas(_lease_hosts(SocialParams()), "dev long, host long")
        .join(cand, "dev")
    )
    lived = crow.where(F.col("residence")).join(cand, "dev").groupBy("dev").agg(F.count("*").alias("lived"))
    per = hosts.groupBy("dev").agg(
        F.sum((F.col("host") >= 0).cast("long")).alias("hosted"),
        F.min(F.when(F.col("host") >= 0, F.col("host"))).alias("lo"),
        F.max("host").alias("hi"),
    )
    ok = per.join(lived, "dev").where(
        (F.col("lived") > 0) & (F.col("hosted") == F.col("lived")) & (F.col("lo") == F.col("hi"))
    )
    return ok.join(codes.withColumnRenamed("code", "lo"), "lo").select(
        "dev",
        F.col("cluster").alias("j_cluster"),
        F.col("split").alias("j_split"),
        F.col("component").alias("j_component"),
    )


def attach_short_histories(
    labels: DataFrame,
    pair_windows: DataFrame,
    stats: DataFrame,
    rows: DataFrame,
    p: HouseholdParams,
    crow: DataFrame | None = None,
) -> DataFrame:
    """``labels`` with each short-history device that lives only at one household's home joined to
    it (``graph.households.attach`` of the pure core): it takes that household's ``cluster``,
    ``split`` and ``component`` and loses its ``reason``; ``alone_join`` is true where it joined
    in the household's lease without a window together (with ``crow``: the presence rows with
    ``window, cls, residence``). ``pair_windows``: ``a, b, window``; ``rows``: the presence rows
    (``dev, window``)."""
    if not p.attach_short_histories:
        return labels.withColumn("alone_join", F.lit(False))
    reasons = [UNASSIGNED_REASONS[-c - 1] for c in ATTACHABLE]
    cand = (
        labels.where(F.col("reason").isin(reasons) & (F.col("home_windows") > 0))
        .join(stats.select("dev", "live"), "dev", "left")
        .where(F.coalesce(F.col("live"), F.lit(0)) <= F.col("home_windows"))
        .select("dev", "home_windows")
    )
    active = (
        rows.join(cand.select("dev"), "dev", "left_semi")
        .select("dev", "window")
        .distinct()
        .groupBy("dev")
        .agg(F.count("*").alias("active"))
    )
    cand = cand.join(active, "dev").where(
        F.col("active") <= F.lit(float(p.attach_max_window_ratio)) * F.col("home_windows")
    )
    cand = materialize(cand.select("dev", "home_windows"))
    pw = pair_windows.select(F.col("a").alias("dev"), F.col("b").alias("o"), "window").unionByName(
        pair_windows.select(F.col("b").alias("dev"), F.col("a").alias("o"), "window")
    )
    hh = labels.where(F.col("cluster").isNotNull()).select(
        F.col("dev").alias("o"),
        F.col("cluster").alias("j_cluster"),
        F.col("split").alias("j_split"),
        F.col("component").alias("j_component"),
    )
    seen = pw.join(cand.select("dev"), "dev", "left_semi").join(hh, "o")
    sole = (
        seen.groupBy("dev")
        .agg(
            F.countDistinct("j_cluster").alias("households"),
            F.countDistinct("window").alias("covered"),
            F.first("j_cluster").alias("j_cluster"),
            F.first("j_split").alias("j_split"),
            F.first("j_component").alias("j_component"),
        )
        .join(cand, "dev")
        .where((F.col("households") == 1) & (F.col("covered") == F.col("home_windows")))
        .select("dev", "j_cluster", "j_split", "j_component")
        .withColumn("j_alone", F.lit(False))
    )
    if crow is not None and p.attach_in_lease:
        rest = materialize(cand.select("dev").join(sole.select("dev"), "dev", "left_anti"))
        if not rest.isEmpty():  # most runs: every short history had a partner
            sole = sole.unionByName(
                _lease_households(labels, rest, crow, p).withColumn("j_alone", F.lit(True))
            )
    return _take_households(labels, sole)


def _take_households(labels: DataFrame, moves: DataFrame) -> DataFrame:
    """``labels`` with each device of ``moves`` (``dev, j_cluster, j_split, j_component, j_alone``)
    in that household: assigned, no reason; ``alone_join`` where ``j_alone`` (joined without a
    window together) or already so."""
    joined = F.col("j_cluster").isNotNull()
    before = F.col("alone_join") if "alone_join" in labels.columns else F.lit(False)
    return materialize(
        labels.join(moves, "dev", "left").select(
            "dev",
            "home_windows",
            F.when(joined, F.col("j_component")).otherwise(F.col("component")).alias("component"),
            F.when(joined, F.col("j_split")).otherwise(F.col("split")).alias("split"),
            F.when(joined, F.col("j_cluster")).otherwise(F.col("cluster")).alias("cluster"),
            F.when(joined, F.lit(False)).otherwise(F.col("alone")).alias("alone"),
            F.when(joined, F.lit(None).cast("string")).otherwise(F.col("reason")).alias("reason"),
            (before | F.coalesce(F.col("j_alone"), F.lit(False))).alias("alone_join"),
        )
    )


def unassign(labels: DataFrame, devices: DataFrame, code: int) -> DataFrame:
    """``labels`` with the ``devices`` (``dev``) unassigned, reason ``code`` (a negative label of
    ``graph.households.cluster.UNASSIGNED_REASONS``)."""
    flag = devices.select("dev", F.lit(True).alias("_unassign"))
    hit = F.coalesce(F.col("_unassign"), F.lit(False))
    return materialize(
        labels.join(flag, "dev", "left")
        .withColumn("reason", F.when(hit, F.lit(UNASSIGNED_REASONS[-code - 1])).otherwise(F.col("reason")))
        .withColumn("cluster", F.when(hit, F.lit(None)).otherwise(F.col("cluster")))
        .drop("_unassign")
    )


def mark_shared_keys(labels: DataFrame, shared: DataFrame) -> DataFrame:
    """``labels`` with every key that is many devices (``shared``: ``dev``) unassigned, reason
    ``shared_key`` (``graph.households.shared_keys``)."""
    return unassign(labels, shared, SHARED_KEY)


def join_v4_sides(labels: DataFrame, crow: DataFrame, p: HouseholdParams) -> DataFrame:
    """``labels`` with the IPv4 sides of DS-Lite homes joined to the household they follow
    (``graph.households.v4_side`` of the pure core), flagged ``alone_join`` (joined without a
    window together). ``crow``:
    the presence rows with their network class (``dev, network, hour, family, cls``).

    A unit (a household none of whose devices lives on a home network, by its ``cluster``, or a
    device unassigned and not living on one, by its ``dev``: a device code that is no household's
    smallest) joins the one household whose devices used one of its carrier addresses, in an hour
    they were on their own IPv6 home network, on every address day both were seen behind the carrier,
    on at least ``v4_side_min_days`` days. Its devices take that household's ``cluster``,
    ``split`` and ``component``.
    """
    if not p.join_v4_sides:
        return labels
    hh = labels.where(F.col("cluster").isNotNull()).select("dev", "cluster")
    carrier = crow.where(F.col("cls") == CGNAT).select(
        "dev", "hour", "network", F.expr(address_day_sql("hour", p)).alias("day")
    )
    v6 = crow.where((F.col("cls") == HOME) & (F.col("family") == 6)).select("dev", "network", "hour")
    # a household's own /64: the one with strictly the most devices on it (v4_side.network_owners)
    count = v6.select("dev", "network").distinct().join(hh, "dev").groupBy("network", "cluster").count()
    most = Window.partitionBy("network").orderBy(F.desc("count"))
    owners = (
        count.withColumn("r", F.row_number().over(most))
        .withColumn("next", F.lead("count").over(most))
        .where((F.col("r") == 1) & (F.col("next").isNull() | (F.col("count") > F.col("next"))))
        .select("network", "cluster")
    )
    on_v6 = v6.join(hh, "dev").join(owners, ["network", "cluster"], "left_semi").select("dev", "hour")
    homes = (
        carrier.join(on_v6, ["dev", "hour"], "left_semi")
        .join(hh, "dev")
        .select(F.col("cluster").alias("home"), "day", "network")
        .distinct()
    )
    # a device lives on home networks when seen there on more than a share of its days behind a
    # carrier (v4_side.lives_on_home_networks)
    utc_day = F.expr(f"hour div {DAY_MS}")

    def days_on(cls: int, name: str) -> DataFrame:
        return crow.where(F.col("cls") == cls).groupBy("dev").agg(F.countDistinct(utc_day).alias(name))

    lives = (
        days_on(HOME, "home_days")
        .join(days_on(CGNAT, "carrier_days"), "dev", "left")
        .where(F.col("home_days") > p.v4_side_home_day_share * F.coalesce("carrier_days", F.lit(0)))
        .select("dev")
    )
    with_home = hh.join(lives, "dev", "left_semi").select("cluster")
    unit_of = (
        hh.join(with_home.distinct(), "cluster", "left_anti")
        .select("dev", F.col("cluster").alias("unit"))
        .unionByName(
            labels.join(lives.withColumn("lives", F.lit(True)), "dev", "left")
            .where(
                (F.col("reason") == UNASSIGNED_REASONS[0])
                | (F.col("reason").isin(*UNASSIGNED_REASONS[1:3]) & F.col("lives").isNull())
            )
            .select("dev", F.col("dev").alias("unit"))
        )
    )
    units = carrier.join(unit_of, "dev").select("unit", "day", "network").distinct()
    same = (
        units.join(homes, ["day", "network"])
        .select("unit", "home", "day")
        .distinct()
        .groupBy("unit", "home")
        .agg(F.count("*").alias("same_days"))
    )
    common = (
        same.select("unit", "home")
        .join(units.select("unit", "day").distinct(), "unit")
        .join(homes.select("home", "day").distinct(), ["home", "day"])
        .groupBy("unit", "home")
        .agg(F.count("*").alias("common"))
    )
    ok = same.join(common, ["unit", "home"]).where(
        (F.col("same_days") == F.col("common")) & (F.col("same_days") >= p.v4_side_min_days)
    )
    sole = ok.groupBy("unit").agg(F.count("*").alias("n"), F.min("home").alias("home")).where("n = 1")
    target = (
        labels.where(F.col("cluster").isNotNull())
        .groupBy(F.col("cluster").alias("home"))
        .agg(F.first("split").alias("j_split"), F.first("component").alias("j_component"))
    )
    moves = (
        unit_of.join(sole.select("unit", "home"), "unit")
        .join(target, "home")
        .select(
            "dev", F.col("home").alias("j_cluster"), "j_split", "j_component", F.lit(True).alias("j_alone")
        )
    )
    return _take_households(labels, moves)
