"""Social links on Spark: the steps of :func:`graph.social.social_links` as DataFrames over the
presence table and the household memberships.

Who hosts a short stay on a home network (:func:`graph.leases.visit_hosts`) depends only on the
rows of that network, so it runs as the pure function on buckets of networks in a grouped pandas
UDF, with the pure core's household codes (rank of the sorted id, which decides its ties). Tenure,
home windows, the CGNAT visits and the per-link sets are joins and aggregations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from graph.leases import visit_hosts
from graph.networks import CGNAT, HOME, NETWORK_CLASSES
from graph.params import HouseholdParams, SocialParams
from graph.spark.calendar import address_day_sql
from graph.spark.carrier_links import carrier_link_pairs
from graph.spark.errors import InputInvalid
from graph.spark.presence import dense_codes, evidence_rows
from graph.spark.session import materialize

__all__ = ["LINK_COLUMNS", "link_visits", "read_memberships", "social_links"]

#: The columns of a visit row (home visits and visits behind carriers alike), before ``cg, n_day``.
VISIT_COLUMNS = ("hh", "host", "dev", "device", "window", "network", "hour")

#: Columns of the ``links`` Parquet dataset (``evidence`` is JSON with sorted keys).
LINK_COLUMNS = ("household_a", "household_b", "weight", "visits", "first_seen", "last_seen", "evidence")
_ROWS_PER_BUCKET = 2_000_000


def read_memberships(spark: SparkSession, path: str) -> DataFrame:
    """``device, household_id`` of a household job's ``memberships`` dataset, checked."""
    from pyspark.errors import AnalysisException

    try:
        df = spark.read.parquet(path)
    except AnalysisException as err:
        raise InputInvalid(path, f"no readable memberships ({str(err).splitlines()[0]})") from err
    missing = [c for c in ("device", "household_id") if c not in df.columns]
    if missing:
        raise InputInvalid(path, f"schema mismatch: missing column {', '.join(missing)}")
    return df.select(F.col("device").cast("string"), F.col("household_id").cast("string")).distinct()


def read_network_classes(spark: SparkSession, path: str) -> DataFrame | None:
    """``network, cls`` from a household run's ``networks`` dataset, or None when there is none (then
    the social job classifies the networks itself)."""
    from pyspark.errors import AnalysisException

    try:
        df = spark.read.parquet(path)
    except AnalysisException:
        return None
    if not {"network", "class"} <= set(df.columns):
        return None
    names = F.array(*map(F.lit, NETWORK_CLASSES))
    code = (F.array_position(names, F.col("class")) - 1).cast("int")
    return df.select(F.col("network").cast("string"), code.alias("cls")).where(F.col("cls") >= 0)


def _hosts(sp: SocialParams, carried: list[int]):
    def run(pdf: pd.DataFrame) -> pd.DataFrame:
        net = pd.factorize(pdf["network"])[0].astype(np.int64)
        portable = pdf["dtype"].isin(carried).to_numpy()
        host = visit_hosts(net, pdf["hh"].to_numpy(np.int64), pdf["hour"].to_numpy(np.int64), sp, portable)
        keep = host >= 0
        return pd.DataFrame(
            {
                "dev": pdf["dev"].to_numpy()[keep],
                "network": pdf["network"].to_numpy()[keep],
                "hour": pdf["hour"].to_numpy()[keep],
                "host": host[keep],
            }
        )

    return run


def _home_visits(
    home: DataFrame, home_windows: DataFrame, sp: SocialParams, n_rows: int, carried: list[int]
) -> DataFrame:
    """Visits on home networks: a short stay inside another household's stay (``visit_hosts``) who
    lives there (``resident_hosts``), by a device that does not (tenure within ``max_visit_share``
    of its home windows)."""
    buckets = max(
        int(home.sparkSession.conf.get("spark.sql.shuffle.partitions")), n_rows // _ROWS_PER_BUCKET + 1
    )
    hosts = (
        home.select("dev", "network", "hour", "hh", "dtype")
        .withColumn("bucket", F.pmod(F.xxhash64("network"), F.lit(buckets)))
        .groupBy("bucket")
        .applyInPandas(_hosts(sp, carried), "dev long, network string, hour long, host long")
    )
    tenure = home.groupBy("network", "dev").agg(F.countDistinct("window").alias("tenure"))
    # the host lives there (graph.leases.resident_hosts): its devices on the network in enough windows
    lived = home.groupBy("network", F.col("hh").alias("host")).agg(F.countDistinct("window").alias("lived"))
    hosts = hosts.join(lived.where(F.col("lived") >= sp.min_host_windows), ["network", "host"], "left_semi")
    return (
        hosts.join(
            home.select("dev", "network", "hour", "hh", "window", "device"), ["dev", "network", "hour"]
        )
        .join(tenure, ["network", "dev"])
        .join(home_windows, "dev", "left")
        .where(
            F.col("tenure") <= sp.max_visit_share * F.greatest(F.coalesce("home_windows", F.lit(0)), F.lit(1))
        )
        .select(
            *VISIT_COLUMNS,
            F.lit(False).alias("cg"),
            F.lit(None).cast("long").alias("n_day"),
        )
    )


def _cgnat_visits(rows: DataFrame, home: DataFrame, cg: DataFrame, sp: SocialParams, hp: HouseholdParams):
    """Visits behind CGNAT (``graph.social._cgnat_visits``): a member's row on a CGNAT address its
    household does not live behind, to each of the few households living there in that block."""
    day = F.expr(address_day_sql("hour", hp))
    cg = cg.withColumn("day", day)
    n_home = home.groupBy("dev").agg(F.count("*").alias("n_home"))
    n_cg = cg.groupBy("dev").agg(F.countDistinct("day").alias("cg_days"), F.count("*").alias("n_cg"))
    active = (
        rows.join(n_cg.select("dev"), "dev", "left_semi")
        .select("dev", day.alias("day"))
        .groupBy("dev")
        .agg(F.countDistinct("day").alias("active"))
    )
    behind = (
        n_cg.join(n_home, "dev", "left")
        .join(active, "dev")
        .select(
            "dev",
            (F.col("n_cg") > F.coalesce("n_home", F.lit(0))).alias("by_rows"),
            (F.col("cg_days") >= sp.cgnat_resident_day_share * F.greatest("active", F.lit(1))).alias(
                "by_days"
            ),
        )
        .where("by_rows OR by_days")
    )
    at_home = home.select("dev", "hour").distinct().withColumn("at_home", F.lit(True))
    again = (
        cg.groupBy("dev", "network")
        .agg(F.countDistinct("day").alias("addr_days"))
        .where(F.col("addr_days") >= sp.dual_stack_home_days)
        .select("dev", "network", F.lit(True).alias("again"))
    )
    # each resident device's address of the day (its most used, ties by key); its household lives
    # there (a dual-stack device, behind by its days only, shows it in the hours it is at home and
    # on an address it used on several days)
    used = (
        cg.join(behind, "dev")
        .join(at_home, ["dev", "hour"], "left")
        .join(again, ["dev", "network"], "left")
        .where(F.col("by_rows") | F.coalesce("at_home", F.lit(False)) | F.coalesce("again", F.lit(False)))
        .groupBy("dev", "hh", "day", "network")
        .agg(F.count("*").alias("n"))
    )
    top = Window.partitionBy("dev", "day").orderBy(F.desc("n"), F.asc("network"))
    lives = (
        used.withColumn("r", F.row_number().over(top))
        .where("r = 1")
        .select("hh", "day", "network", F.lit(True).alias("lives"))
        .distinct()
    )
    c = (
        cg.join(lives, ["hh", "day", "network"], "left")
        .join(at_home, ["dev", "hour"], "left")
        .withColumn("resident", F.coalesce("lives", F.lit(False)) | F.coalesce("at_home", F.lit(False)))
    )
    c = materialize(c.select("dev", "device", "hh", "network", "block", "window", "hour", "day", "resident"))
    # households living behind CGNAT addresses per address day (the chance of a naming, graph.carrier_links)
    n_day = lives.groupBy("day").agg(F.countDistinct("hh").alias("n_day"))
    res = c.where("resident").select("network", "block", F.col("hh").alias("host")).distinct()
    few = (
        res.groupBy("network", "block")
        .agg(F.count("*").alias("n_hosts"))
        .where(F.col("n_hosts") <= sp.max_cgnat_hosts)
    )
    return (
        c.where(~F.col("resident"))
        .join(few, ["network", "block"], "left_semi")
        .join(res, ["network", "block"])
        .where(F.col("host") != F.col("hh"))
        .join(F.broadcast(n_day), "day", "left")
        .select(
            *VISIT_COLUMNS,
            F.lit(True).alias("cg"),
            F.coalesce("n_day", F.lit(0)).cast("long").alias("n_day"),
        )
    )


def link_visits(
    rows: DataFrame, classes: DataFrame, members: DataFrame, sp: SocialParams, hp: HouseholdParams
) -> DataFrame | None:
    """Every visit ``hh, host, dev, device, window, network, hour, cg, n_day`` (household codes;
    ``n_day``: households living behind CGNAT that address day, for visits behind CGNAT), or
    ``None`` when no member is ever on a home network (then there are no links).

    ``rows`` are :func:`graph.spark.presence.presence_rows`' rows, ``classes`` ``network, cls``,
    ``members`` ``device, hh``.
    """
    r = rows.select("dev", "device", "dtype", "network", "hour", "window", "block").join(
        F.broadcast(classes) if classes.count() < 200_000 else classes, "network"
    )
    assigned = r.join(members, "device")
    home = materialize(assigned.where(F.col("cls") == HOME).drop("cls"))
    n_home = home.count()
    if n_home == 0:
        return None
    cg = assigned.where(F.col("cls") == CGNAT).drop("cls")
    w0, w1 = home.agg(F.min("window"), F.max("window")).first()
    # windows behind CGNAT count too (clipped to the home windows' range, as on one machine)
    cwin = F.least(F.greatest(F.col("window"), F.lit(w0)), F.lit(w1))
    home_windows = (
        home.select("dev", "window")
        .union(cg.select("dev", cwin.alias("window")))
        .distinct()
        .groupBy("dev")
        .agg(F.count("*").alias("home_windows"))
    )
    visits = _home_visits(home, home_windows, sp, n_home, hp.carried_codes)
    return visits.unionByName(_cgnat_visits(rows, home, cg, sp, hp))


def social_links(
    rows: DataFrame,
    memberships: DataFrame,
    params: SocialParams | None = None,
    household_params: HouseholdParams | None = None,
    classes: DataFrame | None = None,
) -> DataFrame:
    """Links between households (the columns of :data:`LINK_COLUMNS`), as
    :func:`graph.social.social_links` computes them on one machine.

    ``rows`` are :func:`graph.spark.presence.presence_rows`' rows, ``memberships`` ``device,
    household_id``; ``classes`` (``network, cls``) are the household run's network classes, computed
    here when not given.
    """
    sp, hp = params or SocialParams(), household_params or HouseholdParams()
    if classes is None:  # as the household run reads them: without keys that are many devices
        classes = evidence_rows(rows, hp)[1].select("network", "cls")
    codes = materialize(dense_codes(memberships.select("household_id").distinct(), "household_id", "hh"))
    members = memberships.join(codes, "household_id").select("device", "hh")
    v = link_visits(rows, materialize(classes), members, sp, hp)
    spark = rows.sparkSession
    if v is None:
        return spark.createDataFrame(
            [],
            "household_a string, household_b string, weight double, visits long, "
            "first_seen long, last_seen long, evidence string",
        )
    home, cgv = ~F.col("cg"), F.col("cg")
    date = F.expr("window div 2")  # a visit is one per local date
    on = lambda cond, col: F.when(cond, col)
    links = (
        v.withColumn("lo", F.least("hh", "host"))
        .withColumn("hi", F.greatest("hh", "host"))
        .groupBy("lo", "hi")
        .agg(
            F.collect_set(on(home, date)).alias("dates"),
            F.collect_set(on(cgv, date)).alias("cg_dates"),
            F.size(F.collect_set(on(home & (F.col("hh") == F.col("lo")), date))).alias("visits_a_to_b"),
            F.size(F.collect_set(on(home & (F.col("hh") == F.col("hi")), date))).alias("visits_b_to_a"),
            F.size(F.collect_set(on(home & (F.col("window") % 2 == 1), date))).alias("nights"),
            F.array_sort(F.collect_set(on(home, F.col("device")))).alias("visiting_devices"),
            F.countDistinct(on(home, F.col("network"))).alias("networks"),
            F.countDistinct(on(home, F.col("dev")), on(home, F.col("hour"))).alias("device_hours"),
            F.coalesce(F.min(on(home, F.col("hour"))), F.min("hour")).alias("first_seen"),
            F.coalesce(F.max(on(home, F.col("hour"))), F.min("hour")).alias("last_seen"),
        )
        .withColumn("visits", F.size(F.array_union("dates", "cg_dates")).cast("long"))
        .join(carrier_link_pairs(v.where(cgv), codes.count(), sp), ["lo", "hi"], "left")
        .where(
            (F.col("visits") >= sp.min_visits)
            & ((F.size("dates") >= sp.min_home_visits) | F.coalesce("friends", F.lit(False)))
        )
    )
    evidence = F.to_json(
        F.struct(
            F.size(F.array_except("cg_dates", "dates")).alias("cgnat_visits"),
            "device_hours",
            "networks",
            "nights",
            "visiting_devices",
            "visits_a_to_b",
            "visits_b_to_a",
        )
    )
    name = codes.select(F.col("hh").alias("code"), "household_id")
    return (
        links.join(
            name.withColumnRenamed("code", "lo").withColumnRenamed("household_id", "household_a"), "lo"
        )
        .join(name.withColumnRenamed("code", "hi").withColumnRenamed("household_id", "household_b"), "hi")
        .select(
            "household_a",
            "household_b",
            F.col("visits").cast("double").alias("weight"),
            "visits",
            F.col("first_seen").cast("long"),
            F.col("last_seen").cast("long"),
            evidence.alias("evidence"),
        )
    )
