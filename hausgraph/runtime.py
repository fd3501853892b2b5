"""Builds the long-lived objects of a process (driver, client, pseudonymizer) from settings."""

from __future__ import annotations

import logging
import secrets
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kafka import KafkaProducer

from graph.client import GraphClient, connect
from graph.params import GraphParams, HouseholdParams, RetentionParams
from hausgraph.private_files import private_dir
from hausgraph.servers import Connections, resolve_connections
from hausgraph.settings import Settings
from ingest.deadletters import KafkaDeadLetters
from ingest.errors import MissingSecret
from ingest.kafka_source import IngestLoop, make_consumer
from ingest.pseudonym import Pseudonymizer
from ingest.suppression import SuppressionList, read_suppressed

if TYPE_CHECKING:
    from graph.jobs.lease import LeaseParams

__all__ = [
    "demo_secret_path",
    "graph_client",
    "graph_params",
    "job_lease",
    "job_schedule",
    "kafka_ingest_loop",
    "pseudonym_secret",
    "pseudonymizer",
    "suppression_list",
    "topic_configs",
    "topic_partitions",
]

log = logging.getLogger(__name__)


def graph_client(settings: Settings, conn: Connections | None = None, **driver_config: Any) -> GraphClient:
    """A client over a verified driver to the configured (or managed) Neo4j; ``driver_config`` tunes it."""
    conn = conn or resolve_connections(settings)
    driver_config.setdefault("max_connection_pool_size", 16)
    driver = connect(conn.neo4j_uri, conn.neo4j_user, conn.neo4j_password, **driver_config)
    return GraphClient(driver, conn.neo4j_database, settings.query_timeout_s)


def demo_secret_path(settings: Settings) -> Path:
    return settings.state_dir / "pseudonym.secret"


def pseudonymizer(settings: Settings) -> Pseudonymizer:
    """Keys from the configured secret; in demo mode a per-checkout generated one, announced loudly."""
    return Pseudonymizer(pseudonym_secret(settings))


def pseudonym_secret(settings: Settings) -> str:
    """The configured secret; in demo mode a per-checkout generated one, announced loudly."""
    if settings.pseudonym_secret is not None:
        return settings.pseudonym_secret.get_secret_value()
    if not settings.demo_mode:
        raise MissingSecret(
            "no pseudonym secret: set HAUSGRAPH_PSEUDONYM_SECRET (or HAUSGRAPH_DEMO_MODE=1 for a "
            "generated demo secret that other systems cannot share)"
        )
    path = demo_secret_path(settings)
    if not path.exists():
        private_dir(path.parent)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    _announce_demo(str(path))
    return path.read_text().strip()


@cache
def _announce_demo(path: str) -> None:
    log.warning("DEMO MODE: pseudonym keys use a generated secret in %s, not a configured one", path)


def topic_partitions(settings: Settings) -> dict[str, int]:
    """The topics hausgraph reads and writes, with their partition counts when it creates them."""
    return {
        settings.topic_views: 4,
        settings.topic_content: 1,
        settings.topic_dlq: 1,
        settings.topic_campaigns: 1,
    }


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Configs of the managed topics at creation: raw events and dead letters expire, campaigns compact.

    The views topic keeps events as long as the graph keeps data (``retention_days``); dead letters
    hold raw records that are never stored anywhere else, so they expire after a week by default.
    """
    day_ms = 86_400_000
    return {
        settings.topic_views: {"retention.ms": str(settings.retention_days * day_ms)},
        settings.topic_dlq: {"retention.ms": str(settings.dead_letter_retention_days * day_ms)},
        # campaigns are compacted by campaign_id (contract §5): the latest record of each is kept
        settings.topic_campaigns: {"cleanup.policy": "compact"},
    }


def suppression_list(settings: Settings, client: GraphClient) -> SuppressionList:
    """The erased devices as ingest sees them, re-read every ``suppression_refresh_s`` seconds."""
    return SuppressionList(lambda: read_suppressed(client), settings.suppression_refresh_s)


def kafka_ingest_loop(
    settings: Settings, conn: Connections, client: GraphClient, batch_size: int | None = None
) -> tuple[IngestLoop, KafkaProducer]:
    """The Kafka → Neo4j loop of the configured group, and its dead-letter producer (close it after)."""
    size = batch_size or settings.ingest_batch_size
    producer = KafkaProducer(bootstrap_servers=conn.kafka_bootstrap, acks="all", linger_ms=20)
    loop = IngestLoop(
        make_consumer(conn.kafka_bootstrap, settings.consumer_group, size),
        client,
        KafkaDeadLetters(producer, settings.topic_dlq),
        pseudonymizer(settings),
        settings.consumer_group,
        settings.topic_views,
        settings.topic_content,
        settings.ingest_poll_timeout_ms,
        size,
        suppressed=suppression_list(settings, client),
        campaigns_topic=settings.topic_campaigns,
    )
    return loop, producer


def graph_params(settings: Settings) -> GraphParams:
    """The graph jobs' parameters, with what settings decide (the retention in days; the local
    offset, pinned or read from the data)."""
    hp = HouseholdParams()
    if settings.local_offset_hours is not None:
        hp = hp.at_offset(settings.local_offset_hours)
    return GraphParams(households=hp, retention=RetentionParams(days=settings.retention_days))


def job_schedule(settings: Settings) -> dict[str, int]:
    """Seconds between runs per schedule entry: the registry's defaults with the settings' overrides."""
    # imported here: the job registry pulls numpy, scipy and networkx, which the activation API never needs
    from graph.jobs.registry import schedule_of

    return schedule_of(settings.job_schedule_s)


def job_lease(settings: Settings) -> LeaseParams:
    """Lease length and heartbeat of every job run, from settings."""
    from graph.jobs.lease import LeaseParams  # graph.jobs pulls the cores' numpy (see job_schedule)

    return LeaseParams(lease_s=settings.job_lease_s, heartbeat_s=settings.job_heartbeat_s)
