"""Fixtures for tests against a real Neo4j and a real Kafka.

Servers come from, in order: (1) servers named for tests (``HAUSGRAPH_TEST_NEO4J_URI`` /
``HAUSGRAPH_TEST_KAFKA_BOOTSTRAP_SERVERS``, see :mod:`tests.servers`), (2) a Docker engine via
testcontainers, if ``docker info`` answers quickly, (3) the managed test servers (the same code as
``hausgraph servers``, in ``.hausgraph-test/`` on their own ports). If none can be had, the session
fails loudly; these tests never skip.

A database is cleaned only when the tests made it theirs: the managed test servers' and containers'
are; an external one must have been empty when first seen, and carries the :data:`MARK` node since.
Managed servers that this session started are stopped at its end, unless ``KEEP_SERVERS=1``.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest

from hausgraph.servers import Connections, ServerError, ensure_started, status, stop
from tests.servers import test_settings

logger = logging.getLogger(__name__)

#: label of the one node that says "the tests made this database; they may empty it"
MARK = "HausgraphTestDatabase"
_DELETE_ALL = (
    "MATCH (n) WHERE NOT n:HausgraphTestDatabase CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
)


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
    settings = test_settings()
    external = settings.neo4j_uri or settings.kafka_bootstrap_servers
    if not external and _docker_answers():
        logger.info("integration servers source=testcontainers")
        try:
            yield from _containers()
        except Exception as exc:
            pytest.fail(f"Docker answers but the test containers did not start: {exc}", pytrace=False)
        return
    logger.info("integration servers source=%s", "external" if external else "managed")
    were_running = {s.name for s in status(settings) if s.running} if not external else set()
    try:
        conns = ensure_started(settings)
    except ServerError as exc:
        pytest.fail(f"Cannot get Neo4j and Kafka for the integration tests: {exc}", pytrace=False)
    try:
        yield conns
    finally:
        started_here = [n for n in ("neo4j", "kafka") if n not in were_running]
        if not external and started_here and os.environ.get("KEEP_SERVERS") != "1":
            stop(settings, started_here)


@pytest.fixture(scope="session")
def neo4j_driver(services: Connections) -> Iterator[neo4j.Driver]:
    """A driver for the session's Neo4j."""
    driver = neo4j.GraphDatabase.driver(
        services.neo4j_uri,
        auth=(services.neo4j_user, services.neo4j_password),
        notifications_min_severity="OFF",
    )
    claim_database(driver, services.neo4j_database)
    try:
        yield driver
    finally:
        driver.close()


def claim_database(driver: neo4j.Driver, database: str) -> None:
    """Mark the database as the tests' own, or fail if it holds data the tests did not make."""
    records, _, _ = driver.execute_query(
        "OPTIONAL MATCH (m:HausgraphTestDatabase) WITH count(m) AS marks "
        "CALL () { MATCH (n) RETURN count(n) AS nodes } RETURN marks, nodes",
        database_=database,
    )
    marks, nodes = records[0]["marks"], records[0]["nodes"]
    # the managed test servers (.hausgraph-test/) and fresh containers are the tests' own by making;
    # a server named by HAUSGRAPH_TEST_NEO4J_URI must be empty or carry the mark
    external = bool(os.environ.get("HAUSGRAPH_TEST_NEO4J_URI"))
    if external and marks == 0 and nodes > 0:
        pytest.fail(
            f"the test database {database!r} holds {nodes} nodes that the tests did not create; "
            "refusing to empty it (point HAUSGRAPH_TEST_NEO4J_URI at a database for tests only)",
            pytrace=False,
        )
    driver.execute_query(
        "MERGE (m:HausgraphTestDatabase {id: 1}) ON CREATE SET m.created = timestamp()", database_=database
    )


@pytest.fixture
def clean_db(neo4j_driver: neo4j.Driver, services: Connections) -> None:
    """Delete every node and relationship (schema stays) before the test, in the tests' own database."""
    claim_database(neo4j_driver, services.neo4j_database)
    # CALL ... IN TRANSACTIONS needs an implicit (auto-commit) transaction: session.run.
    with neo4j_driver.session(database=services.neo4j_database) as session:
        session.run(_DELETE_ALL).consume()


@pytest.fixture(scope="session")
def kafka_bootstrap(services: Connections) -> str:
    """``host:port`` of the session's Kafka."""
    return services.kafka_bootstrap


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 60-household, 7-day world of :func:`tests.integration.world.make_world`, generated once
    per session for the modules that read it (never written to)."""
    from tests.integration.world import make_world

    out = tmp_path_factory.mktemp("small-world")
    make_world(out)
    return out


@pytest.fixture
def unique_topic() -> str:
    """A topic name no other test uses (auto-created on first produce)."""
    return f"test-{uuid.uuid4().hex[:12]}"
