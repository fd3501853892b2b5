"""Where the tests' own servers live: a state folder and ports of their own, never the user's.

The managed test servers keep their state in ``.hausgraph-test/`` and listen on ports counted from
``HAUSGRAPH_TEST_PORT_BASE`` (default 31680), apart from ``make demo``'s ``.hausgraph/`` and 7687/9092.
An external server is used only when it is named *for tests*: ``HAUSGRAPH_TEST_NEO4J_URI`` (with
``HAUSGRAPH_TEST_NEO4J_USER``/``_PASSWORD``/``_DATABASE``) and ``HAUSGRAPH_TEST_KAFKA_BOOTSTRAP_SERVERS``.
The user's ``NEO4J_URI`` and friends are removed from the test process's environment, so neither the
tests nor the processes they start can reach the servers a user exported for their own work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hausgraph.settings import Settings

__all__ = ["ROOT", "TestPorts", "isolate_environment", "test_ports", "test_settings"]

ROOT = Path(__file__).resolve().parents[1]

#: the variables through which a user points hausgraph at *their* servers
_USER_SERVER_VARS = (
    "NEO4J_URI",
    "NEO4J_USER",
    "NEO4J_USERNAME",
    "NEO4J_PASSWORD",
    "NEO4J_DATABASE",
    "KAFKA_BOOTSTRAP_SERVERS",
    "HAUSGRAPH_NEO4J_URI",
    "HAUSGRAPH_NEO4J_USER",
    "HAUSGRAPH_NEO4J_PASSWORD",
    "HAUSGRAPH_NEO4J_DATABASE",
    "HAUSGRAPH_KAFKA_BOOTSTRAP_SERVERS",
    "HAUSGRAPH_STATE_DIR",
    "HAUSGRAPH_NEO4J_BOLT_PORT",
    "HAUSGRAPH_NEO4J_HTTP_PORT",
    "HAUSGRAPH_KAFKA_PORT",
    "HAUSGRAPH_KAFKA_CONTROLLER_PORT",
    "HAUSGRAPH_DASHBOARD_PORT",
    "HAUSGRAPH_API_PORT",
)


@dataclass(frozen=True)
class TestPorts:
    """The ports of one test run, all counted from one base."""

    __test__ = False  # not a pytest class

    base: int

    @property
    def bolt(self) -> int:
        return self.base + 1

    @property
    def http(self) -> int:
        return self.base + 2

    @property
    def kafka(self) -> int:
        return self.base + 3

    @property
    def controller(self) -> int:
        return self.base + 4

    def private(self, n: int) -> int:
        """The n-th port for a test that starts servers of its own (``n`` from 0 to 39).

        >>> TestPorts(31680).private(0)
        37690
        """
        if not 0 <= n < 40:
            raise ValueError(f"private port number {n} out of 0..39")
        return self.base + 10 + n


def test_ports(environ: dict[str, str] | None = None) -> TestPorts:
    """Ports from ``HAUSGRAPH_TEST_PORT_BASE`` (default 31680).

    >>> test_ports({"HAUSGRAPH_TEST_PORT_BASE": "40000"}).bolt
    40001
    """
    env = os.environ if environ is None else environ
    return TestPorts(int(env.get("HAUSGRAPH_TEST_PORT_BASE", "31680")))


test_ports.__test__ = False  # type: ignore[attr-defined]


def _external(env: dict[str, str]) -> dict[str, str]:
    """The settings of servers named for tests, as the user's variable names."""
    mapping = {
        "HAUSGRAPH_TEST_NEO4J_URI": "NEO4J_URI",
        "HAUSGRAPH_TEST_NEO4J_USER": "NEO4J_USER",
        "HAUSGRAPH_TEST_NEO4J_PASSWORD": "NEO4J_PASSWORD",
        "HAUSGRAPH_TEST_NEO4J_DATABASE": "NEO4J_DATABASE",
        "HAUSGRAPH_TEST_KAFKA_BOOTSTRAP_SERVERS": "KAFKA_BOOTSTRAP_SERVERS",
    }
    return {user: env[test] for test, user in mapping.items() if env.get(test)}


def isolate_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Point this process (and every child it starts) at the test servers; returns what was set.

    >>> env = {"NEO4J_URI": "bolt://users-graph:7687", "HAUSGRAPH_TEST_PORT_BASE": "40000"}
    >>> _ = isolate_environment(env)
    >>> "NEO4J_URI" in env, env["HAUSGRAPH_NEO4J_BOLT_PORT"]
    (False, '40001')
    """
    env = os.environ if environ is None else environ
    ports = test_ports(env)
    for key in _USER_SERVER_VARS:
        env.pop(key, None)
    values = {
        "HAUSGRAPH_STATE_DIR": str(ROOT / ".hausgraph-test"),
        "HAUSGRAPH_NEO4J_BOLT_PORT": str(ports.bolt),
        "HAUSGRAPH_NEO4J_HTTP_PORT": str(ports.http),
        "HAUSGRAPH_KAFKA_PORT": str(ports.kafka),
        "HAUSGRAPH_KAFKA_CONTROLLER_PORT": str(ports.controller),
        "HAUSGRAPH_NEO4J_HEAP": env.get("HAUSGRAPH_TEST_NEO4J_HEAP", "1g"),
        "HAUSGRAPH_NEO4J_PAGECACHE": env.get("HAUSGRAPH_TEST_NEO4J_PAGECACHE", "512m"),
        **_external(env),
    }
    env.update(values)
    return values


def test_settings() -> Settings:
    """The settings of the test servers (call after :func:`isolate_environment`)."""
    return Settings()


test_settings.__test__ = False  # type: ignore[attr-defined]
