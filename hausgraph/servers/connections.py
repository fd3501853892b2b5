"""Where the app connects: external servers from settings, else the managed local ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from hausgraph.servers.errors import ServerError
from hausgraph.servers.neo4j_server import managed_password, password_file
from hausgraph.settings import Settings

__all__ = ["Connections", "NotStarted", "resolve_connections"]


class NotStarted(ServerError):
    """The managed server ``name`` has never been started, so it has no credentials yet."""

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path
        super().__init__(
            f"The managed {name} has not been started yet ({path} missing); run `hausgraph servers start`."
        )


@dataclass(frozen=True)
class Connections:
    """Everything a client needs to reach Neo4j and Kafka."""

    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str = field(repr=False)
    neo4j_database: str
    kafka_bootstrap: str
    neo4j_managed: bool = False
    kafka_managed: bool = False


def resolve_connections(settings: Settings) -> Connections:
    """Return the external servers if configured, else the managed local ones.

    Parameters
    ----------
    settings
        ``neo4j_uri`` / ``kafka_bootstrap_servers`` select external servers; when unset,
        the managed servers' loopback ports and stored password are used.

    Raises
    ------
    NotStarted
        If the managed Neo4j is used but has never been started (no password yet).
    """
    if settings.neo4j_uri:
        uri = settings.neo4j_uri
        password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    else:
        uri = f"bolt://127.0.0.1:{settings.neo4j_bolt_port}"
        stored = managed_password(settings)
        if stored is None:
            raise NotStarted("neo4j", str(password_file(settings)))
        password = stored
    bootstrap = settings.kafka_bootstrap_servers or f"127.0.0.1:{settings.kafka_port}"
    return Connections(
        neo4j_uri=uri,
        neo4j_user=settings.neo4j_user,
        neo4j_password=password,
        neo4j_database=settings.neo4j_database,
        kafka_bootstrap=bootstrap,
        neo4j_managed=not settings.neo4j_uri,
        kafka_managed=not settings.kafka_bootstrap_servers,
    )
