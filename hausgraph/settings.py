"""Typed settings for every hausgraph process, read from the environment once in ``__main__``."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_cache_dir", "default_state_dir"]


def default_state_dir() -> Path:
    """Per-checkout state (server data, logs, generated password): ``./.hausgraph``."""
    return Path.cwd() / ".hausgraph"


def default_cache_dir() -> Path:
    """Per-machine cache of the Maven jars, outside any checkout."""
    return Path.home() / ".cache" / "hausgraph"


class Settings(BaseSettings):
    """All knobs of hausgraph; ``HAUSGRAPH_*`` plus the usual Neo4j / Kafka variables.

    A value of ``None`` for ``neo4j_uri`` / ``kafka_bootstrap_servers`` means "use the
    managed local servers" (``hausgraph servers start``).
    """

    model_config = SettingsConfigDict(
        env_prefix="HAUSGRAPH_", frozen=True, extra="ignore", validate_by_name=True
    )

    # --- external servers (the usual names win; HAUSGRAPH_ names also work) ---
    neo4j_uri: str | None = Field(None, validation_alias=AliasChoices("NEO4J_URI", "HAUSGRAPH_NEO4J_URI"))
    neo4j_user: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_USER", "NEO4J_USERNAME", "HAUSGRAPH_NEO4J_USER")
    )
    neo4j_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEO4J_PASSWORD", "HAUSGRAPH_NEO4J_PASSWORD")
    )
    neo4j_database: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "HAUSGRAPH_NEO4J_DATABASE")
    )
    kafka_bootstrap_servers: str | None = Field(
        None, validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "HAUSGRAPH_KAFKA_BOOTSTRAP_SERVERS")
    )

    # --- managed local servers ---
    state_dir: Path = Field(default_factory=default_state_dir)
    cache_dir: Path = Field(default_factory=default_cache_dir)
    neo4j_version: str = "5.26.30"
    kafka_version: str = "3.9.2"
    neo4j_bolt_port: int = 7687
    neo4j_http_port: int = 7474
    neo4j_heap: str = "768m"
    neo4j_pagecache: str = "512m"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_heap: str = "512m"
    server_start_timeout_s: float = 180.0

    # --- topics and ingest ---
    topic_views: str = "views"
    topic_content: str = "content"
    topic_dlq: str = "views.dlq"
    topic_campaigns: str = "campaigns"  # contract §5, compacted by campaign_id
    consumer_group: str = "hausgraph-ingest"
    pseudonym_secret: SecretStr | None = None
    demo_mode: bool = False
    ingest_batch_size: int = 20000
    ingest_poll_timeout_ms: int = 500
    query_timeout_s: float = 120.0

    # --- bulk history import (issue #18; `hausgraph ingest --bulk`) ---
    #: heap and off-heap cap of `neo4j-admin database import` (the DBMS is stopped meanwhile)
    bulk_import_memory: str = "1g"

    # --- graph jobs ---
    #: seconds between runs per job, overriding the registry's defaults (``graph.jobs.JOBS``):
    #: ``HAUSGRAPH_JOB_SCHEDULE_S='{"social": 1200, "households:incremental": 30}'``; 0 = off
    job_schedule_s: dict[str, int] = Field(default_factory=dict)

    # --- job leases (graph.jobs.lease) ---
    #: a job's lease runs out this long after its last heartbeat; then the next run takes it over
    job_lease_s: float = Field(30.0, gt=0)
    #: seconds between heartbeats of a running job (shorter than the lease)
    job_heartbeat_s: float = Field(10.0, gt=0)

    # --- dashboard ---
    dashboard_port: int = 8501
    dashboard_password: SecretStr | None = None
    audience_min_households: int = 50
    graph_node_cap: int = 300
    console_row_cap: int = 1000
    console_timeout_s: float = 15.0

    # --- console guard and supervision (issue #12, part A) ---
    console_result_bytes_cap: int = 16 * 2**20
    #: seconds between liveness checks of the supervised managed servers
    supervise_interval_s: float = 2.0
    #: restarts of one server allowed within ``supervise_window_s`` before the supervisor gives up
    supervise_max_restarts: int = 5
    supervise_window_s: float = 600.0
    #: managed Neo4j's db.memory.transaction.max / .total.max (default: a quarter / half of the heap)
    neo4j_tx_memory_max: str | None = None
    neo4j_tx_memory_total_max: str | None = None
    #: how long the app waits for Neo4j before it shows "graph unavailable"
    graph_connect_timeout_s: float = 3.0

    # --- privacy: sign-in, erasure, retention (issue #12) ---
    #: the analysts' password of the app's password sign-in (the marketers' is ``dashboard_password``)
    dashboard_analyst_password: SecretStr | None = None
    #: longest wait imposed after failed sign-ins (doubling from 1 s per failure)
    sign_in_backoff_max_s: float = 60.0
    #: data older than this many days is deleted by the ``retention`` job; the views topic keeps as long
    retention_days: int = 180
    #: dead letters hold raw records: their topic keeps them this many days
    dead_letter_retention_days: int = 7
    #: the viewers' UTC offset in hours (home evenings, office hours, the carriers' remap night);
    #: unset: read from the data, the offset at which the TVs' hours look like TV viewing (graph.clock)
    local_offset_hours: int | None = Field(default=None, ge=-12, le=14)
    #: seconds between re-reads of the erased devices by a running ingester
    suppression_refresh_s: float = 30.0

    # --- activation API (issue #14; contract §7) ---
    api_host: str = "127.0.0.1"
    api_port: int = 8600
    #: comma-separated bearer tokens; required to bind any address but loopback
    api_tokens: SecretStr | None = None
    activation_group: str = "hausgraph-activation"
    #: house rules (TOML) on top of the campaign records; a bad rule stops the start
    activation_rules: Path | None = None
    #: campaign records as JSON Lines, read instead of the ``campaigns`` topic
    activation_campaigns_file: Path | None = None
    #: an allowed impression is held against the cap this long unless it is logged first
    activation_reserve_s: float = 30.0
    #: how far in the past a request's ``ts`` may be; exposures and views are kept this much longer
    activation_past_s: int = 300
    #: the device map from a household export (contract §4 CSV) instead of Neo4j (no spend then)
    activation_households_file: Path | None = None
    #: seconds between polls of Neo4j for a new households run and campaign spend
    activation_refresh_s: float = 5.0
    #: exposures re-keyed by household, for several instances (README "Activation API")
    topic_exposures: str = "exposures"
    activation_exposure_partitions: int = 8
    #: scale-out: this instance as ``"i/n"`` (owns exposures partitions p with p % n == i); unset = alone
    activation_instance: str | None = None
    #: scale-out: every instance's base URL, comma-separated, in index order (for 307s to the owner)
    activation_peers: str | None = None

    # --- Spark engine (graph/spark; `jobs run households --engine spark`) ---
    spark_driver_memory: str = "4g"  # local mode: the driver is the whole Spark
    spark_checkpoint_dir: str | None = None  # reliable checkpoints on a cluster (HDFS/S3 path)
