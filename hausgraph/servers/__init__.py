"""Managed local Neo4j and Kafka servers, and where the app should connect."""

from hausgraph.servers.connections import Connections, NotStarted, resolve_connections
from hausgraph.servers.errors import (
    AuthFailed,
    JavaMissing,
    MavenFailed,
    MavenMissing,
    NotReady,
    PortInUse,
    ServerDied,
    ServerError,
    Unreachable,
)
from hausgraph.servers.layout import SERVER_NAMES
from hausgraph.servers.manager import ServerStatus, ensure_started, start, status, stop

__all__ = [
    "SERVER_NAMES",
    "AuthFailed",
    "Connections",
    "JavaMissing",
    "MavenFailed",
    "MavenMissing",
    "NotReady",
    "NotStarted",
    "PortInUse",
    "ServerDied",
    "ServerError",
    "ServerStatus",
    "Unreachable",
    "ensure_started",
    "resolve_connections",
    "start",
    "status",
    "stop",
]
