"""Builds the long-lived objects of a process (driver, client, pseudonymizer) from settings."""

from __future__ import annotations

import logging
import secrets
from functools import cache
from pathlib import Path

from kafka import KafkaProducer

from graph.client import GraphClient, connect
from graph.jobs.registry import schedule_of
from hausgraph.servers import Connections, resolve_connections
from hausgraph.settings import Settings
from ingest.deadletters import KafkaDeadLetters
from ingest.errors import MissingSecret
from ingest.kafka_source import IngestLoop, make_consumer
from ingest.pseudonym import Pseudonymizer

__all__ = [
    "demo_secret_path",
    "graph_client",
    "job_schedule",
    "kafka_ingest_loop",
    "pseudonym_secret",
    "pseudonymizer",
    "topic_configs",
    "topic_partitions",
]

log = logging.getLogger(__name__)


def graph_client(settings: Settings, conn: Connections | None = None) -> GraphClient:
    """A client over a verified driver to the configured (or managed) Neo4j."""
    conn = conn or resolve_connections(settings)
    driver = connect(conn.neo4j_uri, conn.neo4j_user, conn.neo4j_password, max_connection_pool_size=16)
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
        path.parent.mkdir(parents=True, exist_ok=True)
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
    """Topic configs at creation: campaigns are compacted by ``campaign_id`` (contract §5)."""
    return {settings.topic_campaigns: {"cleanup.policy": "compact"}}


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
        campaigns_topic=settings.topic_campaigns,
    )
    return loop, producer


def job_schedule(settings: Settings) -> dict[str, int]:
    """Seconds between runs per schedule entry: the registry's defaults with the settings' overrides."""
    return schedule_of(settings.job_schedule_s)
