"""Fixtures for tests against a real Neo4j and a real Kafka.

Servers come from, in order: (1) ``NEO4J_URI`` / ``KAFKA_BOOTSTRAP_SERVERS`` in the
environment, (2) a Docker engine via testcontainers, if ``docker info`` answers quickly,
(3) the managed local servers (``hausgraph servers start``, same code). If none can be
had, the session fails loudly; these tests never skip.

Managed servers started here are left running after the session on purpose (startup
takes ~15 s warm, minutes cold); ``hausgraph servers stop`` stops them.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import neo4j
import pytest

from hausgraph.servers import Connections, ServerError, ensure_started
from hausgraph.settings import Settings

logger = logging.getLogger(__name__)

_DELETE_ALL = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.integration)


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        proc = subprocess.run(["docker", "info"], check=False, capture_output=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _containers() -> Iterator[Connections]:
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.neo4j import Neo4jContainer

    password = secrets.token_urlsafe(18)
    with (
        Neo4jContainer("neo4j:5.26-community", password=password) as graph,
        KafkaContainer().with_kraft() as kafka,
    ):
        yield Connections(
            neo4j_uri=graph.get_connection_url(),
            neo4j_user="neo4j",
            neo4j_password=password,
            neo4j_database="neo4j",
            kafka_bootstrap=kafka.get_bootstrap_server(),
        )


@pytest.fixture(scope="session")
def services() -> Iterator[Connections]:
    """Connections to a real Neo4j and Kafka (see the module docstring for the source)."""
    settings = Settings()
    external = settings.neo4j_uri or settings.kafka_bootstrap_servers
    if not external and _docker_answers():
        logger.info("integration servers source=testcontainers")
        try:
            yield from _containers()
        except Exception as exc:
            pytest.fail(f"Docker answers but the test containers did not start: {exc}", pytrace=False)
        return
    logger.info("integration servers source=%s", "external" if external else "managed")
    try:
        conns = ensure_started(settings)
    except ServerError as exc:
        pytest.fail(f"Cannot get Neo4j and Kafka for the integration tests: {exc}", pytrace=False)
    yield conns


@pytest.fixture(scope="session")
def neo4j_driver(services: Connections) -> Iterator[neo4j.Driver]:
    """A driver for the session's Neo4j."""
    driver = neo4j.GraphDatabase.driver(
        services.neo4j_uri,
        auth=(services.neo4j_user, services.neo4j_password),
        notifications_min_severity="OFF",
    )
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def clean_db(neo4j_driver: neo4j.Driver, services: Connections) -> None:
    """Delete every node and relationship (schema stays) before the test."""
    # CALL ... IN TRANSACTIONS needs an implicit (auto-commit) transaction: session.run.
    with neo4j_driver.session(database=services.neo4j_database) as session:
        session.run(_DELETE_ALL).consume()


@pytest.fixture(scope="session")
def kafka_bootstrap(services: Connections) -> str:
    """``host:port`` of the session's Kafka."""
    return services.kafka_bootstrap


@pytest.fixture
def unique_topic() -> str:
    """A topic name no other test uses (auto-created on first produce)."""
    return f"test-{uuid.uuid4().hex[:12]}"
