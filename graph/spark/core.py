"""The household job on Spark: presence Parquet in, memberships / households Parquet out.

Stages (each materialised once, so its time can be measured): ``presence`` (table and
device codes), ``networks`` (profiles and classes), ``copresence`` (pairs and windows),
``cluster`` (components and splits), ``evidence`` (confidence, tables, write).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from graph.clustering import Partitioner, louvain_partition
from graph.households.copresence import row_windows
from graph.params import HouseholdParams, SocialParams
from graph.spark.apart import fixed_rows
from graph.spark.cluster import attach_short_histories, cluster_devices, join_v4_sides, mark_shared_keys
from graph.spark.copresence import copresence
from graph.spark.evidence import household_tables, membership_evidence
from graph.spark.parting import mark_left_households
from graph.spark.presence import evidence_rows, local_presence, read_presence
from graph.spark.session import materialize

__all__ = ["STAGES", "run_spark_households", "run_spark_social", "spark_params"]

log = logging.getLogger(__name__)

_BROADCAST_NETWORKS = 200_000
STAGES = ("presence", "networks", "copresence", "cluster", "evidence")


def _window_span(rows: DataFrame, p: HouseholdParams) -> int:
    """``win_h.max() + 1`` of the pure core: day windows from the first to the last hour."""
    lo, hi = rows.agg(F.min("hour"), F.max("hour")).first()
    w, _ = row_windows(np.array([lo, hi]), p)
    return int(w[1] - w[0]) + 1


def spark_params(p: HouseholdParams) -> HouseholdParams:
    """``p`` as the Spark engine applies it: all of it (the CGNAT stint-evidence gate
    ``cgnat_min_evidence`` included), so the engines compare on the real params.

    >>> spark_params(HouseholdParams()) == HouseholdParams()
    True
    """
    return p


def run_spark_households(
    spark: SparkSession,
    input_path: str,
    output_path: str,
    params: HouseholdParams | None = None,
    *,
    seed: int = 0,
    partition: Partitioner = louvain_partition,
    on_stage: Callable[[str, float], None] | None = None,
    previous: DataFrame | None = None,
) -> dict[str, Any]:
    """Run the household core on the presence Parquet at ``input_path``; write ``memberships``,
    ``households``, ``unassigned`` and ``networks`` Parquet datasets under ``output_path``.
    ``previous`` (``device, household``: the stored households) warm-starts the Louvain splits
    as the pure core's ``run_households(previous=...)`` does (``HouseholdParams.warm_start``).

    Returns counts and the seconds of each stage. ``on_stage(name, seconds)`` is called as
    each stage ends.
    """
    p = spark_params(params or HouseholdParams())
    seconds: dict[str, float] = {}
    t0 = time.monotonic()

    def done(stage: str) -> None:
        nonlocal t0
        seconds[stage] = round(time.monotonic() - t0, 2)
        log.info("spark stage done stage=%s seconds=%.1f", stage, seconds[stage])
        if on_stage:
            on_stage(stage, seconds[stage])
        t0 = time.monotonic()

    raw = read_presence(spark, input_path)
    rows, devices, p = local_presence(raw, p)  # the viewers' local time, read from the data
    rows = materialize(rows)
    n_devices, n_rows = devices.count(), rows.count()
    done("presence")

    rows, classes, shared = evidence_rows(rows, p)  # keys that are many devices are no evidence
    span = _window_span(rows, p)
    n_networks = classes.count()
    done("networks")

    cls = classes.select("network", "cls", "weight", "is_cgnat", "residence")
    # a small class table goes to every task instead of shuffling the presence rows
    crow = rows.join(F.broadcast(cls) if n_networks < _BROADCAST_NETWORKS else cls, "network")
    pairs, pair_windows, dstats, ev_rows = copresence(crow, n_devices, span, p)
    n_pairs = pairs.count()
    done("copresence")

    prev = None
    if previous is not None:  # stored households onto this run's device codes
        prev = previous.select(F.col("device").cast("string"), "household").join(devices, "device")
    fixed = fixed_rows(crow, p)  # where the screens that never leave home were (graph.households.apart)
    labels = cluster_devices(
        pairs, dstats, devices, p, seed=seed, partition=partition, previous=prev, fixed=fixed
    )
    labels = attach_short_histories(labels, pair_windows, dstats, rows, p, crow)
    labels = mark_shared_keys(labels, shared)
    labels = join_v4_sides(labels, crow, p)
    labels = mark_left_households(labels, crow, p)
    n_labels = labels.count()
    done("cluster")

    ev, hh_nets = membership_evidence(labels, pairs, pair_windows, ev_rows, p)
    members, households, unassigned = household_tables(labels, ev, hh_nets, devices, dstats)
    out = output_path.rstrip("/")
    members.write.mode("overwrite").parquet(f"{out}/memberships")
    households.write.mode("overwrite").parquet(f"{out}/households")
    unassigned.write.mode("overwrite").parquet(f"{out}/unassigned")
    classes.select("network", "class", "evidence").write.mode("overwrite").parquet(f"{out}/networks")
    n_households = spark.read.parquet(f"{out}/households").count()
    n_unassigned = spark.read.parquet(f"{out}/unassigned").count()
    done("evidence")
    return {
        "rows": n_rows,
        "devices": n_devices,
        "networks": n_networks,
        "pairs": n_pairs,
        "labelled": n_labels,
        "households": n_households,
        "unassigned": n_unassigned,
        "seconds": seconds,
    }


def run_spark_social(
    spark: SparkSession,
    input_path: str,
    output_path: str,
    params: SocialParams | None = None,
    household_params: HouseholdParams | None = None,
) -> dict[str, Any]:
    """Social links from the presence Parquet at ``input_path`` and the ``memberships`` of a
    household run in ``output_path`` (``jobs run households --engine spark``); writes ``links``
    there. The run's ``networks`` classes are read back, not computed again, when they are there.
    Returns counts and seconds."""
    from graph.spark.social import read_memberships, read_network_classes, social_links

    t0 = time.monotonic()
    hp = household_params or HouseholdParams()
    out = output_path.rstrip("/")
    members = read_memberships(spark, f"{out}/memberships")
    rows, _, hp = local_presence(read_presence(spark, input_path), hp)
    classes = read_network_classes(spark, f"{out}/networks")
    links = social_links(materialize(rows), members, params, hp, classes)
    links.write.mode("overwrite").parquet(f"{out}/links")
    n_links = spark.read.parquet(f"{out}/links").count()
    seconds = round(time.monotonic() - t0, 2)
    log.info("spark social done links=%d seconds=%.1f", n_links, seconds)
    return {"links": n_links, "seconds": seconds}
