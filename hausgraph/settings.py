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

    # --- graph jobs ---
    #: seconds between runs per job, overriding the registry's defaults (``graph.jobs.JOBS``):
    #: ``HAUSGRAPH_JOB_SCHEDULE_S='{"social": 1200, "households:incremental": 30}'``; 0 = off
    job_schedule_s: dict[str, int] = Field(default_factory=dict)

    # --- dashboard ---
    dashboard_port: int = 8501
    dashboard_password: SecretStr | None = None
    audience_min_households: int = 50
    graph_node_cap: int = 300
    console_row_cap: int = 1000
    console_timeout_s: float = 15.0

    # --- Spark engine (graph/spark; `jobs run households --engine spark`) ---
    spark_driver_memory: str = "4g"  # local mode: the driver is the whole Spark
    spark_checkpoint_dir: str | None = None  # reliable checkpoints on a cluster (HDFS/S3 path)
