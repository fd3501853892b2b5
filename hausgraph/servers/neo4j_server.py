"""The managed Neo4j Community server: config, initial password and readiness probe."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import neo4j
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from hausgraph.servers import config
from hausgraph.servers.errors import AuthFailed, ServerError
from hausgraph.servers.layout import ServerPaths
from hausgraph.servers.process import port_open, write_private
from hausgraph.settings import Settings

__all__ = [
    "NAME",
    "PasswordSetupFailed",
    "command",
    "managed_password",
    "password_file",
    "ports",
    "prepare",
    "probe",
    "stop_timeout_s",
]

logger = logging.getLogger(__name__)

NAME = "neo4j"
MARKER = config.NEO4J_MAIN
stop_timeout_s = 90.0


class PasswordSetupFailed(ServerError):
    """``neo4j-admin dbms set-initial-password`` failed; ``output`` says why."""

    def __init__(self, output: str) -> None:
        self.output = output
        super().__init__(f"Cannot set the initial Neo4j password: {output}")


def password_file(settings: Settings) -> Path:
    """The file holding the managed Neo4j's password (mode 0600)."""
    return Path(settings.state_dir).absolute() / NAME / "password"


def managed_password(settings: Settings, *, create: bool = False) -> str | None:
    """Return the managed Neo4j's password.

    ``settings.neo4j_password`` wins; otherwise the stored one; otherwise, with
    ``create=True``, a new random one is generated and stored with mode 0600.
    """
    if settings.neo4j_password is not None:
        return settings.neo4j_password.get_secret_value()
    path = password_file(settings)
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if not create:
            return None
    password = "-"
    while password.startswith("-"):  # a leading dash reads as an option to neo4j-admin
        password = secrets.token_urlsafe(18)
    write_private(path, password + "\n")
    logger.info("generated neo4j password path=%s", path)
    return password


def ports(settings: Settings) -> list[tuple[str, int, str]]:
    """``(label, port, env var that changes it)`` for each port Neo4j binds."""
    return [
        ("bolt", settings.neo4j_bolt_port, "HAUSGRAPH_NEO4J_BOLT_PORT"),
        ("http", settings.neo4j_http_port, "HAUSGRAPH_NEO4J_HTTP_PORT"),
    ]


def _never_started(paths: ServerPaths) -> bool:
    return not (paths.data_dir / "databases" / "system").exists()


def prepare(settings: Settings, paths: ServerPaths, java: str) -> None:
    """Write ``neo4j.conf`` and, before the very first start, set the initial password."""
    paths.ensure_dirs()
    for sub in ("plugins", "import"):
        (paths.home / sub).mkdir(exist_ok=True)
    (paths.conf_dir / "neo4j.conf").write_text(config.render_neo4j_conf(settings, paths), "utf-8")
    if not _never_started(paths):
        return
    password = managed_password(settings, create=True)
    assert password is not None
    if settings.neo4j_password is not None:
        write_private(password_file(settings), password + "\n")
    env = {**os.environ, "NEO4J_HOME": str(paths.home), "NEO4J_CONF": str(paths.conf_dir)}
    argv = config.neo4j_admin_command(java, paths, "dbms", "set-initial-password", "--", password)
    proc = subprocess.run(
        argv, env=env, check=False, capture_output=True, text=True, timeout=300, cwd=paths.home
    )
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).replace(password, "***")
        # The first unindented line is the message; the rest is a Java stack trace.
        lines = [line for line in output.splitlines() if line.strip() and not line[0].isspace()]
        raise PasswordSetupFailed(lines[0] if lines else f"exit code {proc.returncode}")
    logger.info("set initial neo4j password home=%s", paths.home)


def command(java: str, settings: Settings, paths: ServerPaths) -> list[str]:
    """The argv that runs the server in the foreground."""
    return config.neo4j_command(java, settings, paths)


def probe(
    uri: str, user: str, password: str, database: str, *, managed: bool, timeout_s: float = 3.0
) -> bool:
    """Whether Neo4j at ``uri`` answers ``RETURN 1`` on ``database``.

    Raises
    ------
    AuthFailed
        If the server is up but rejects the credentials (retrying cannot help).
    """
    parsed = urlsplit(uri)
    if parsed.hostname in ("127.0.0.1", "localhost") and not port_open(parsed.port or 7687, "127.0.0.1"):
        return False  # skip the driver, which logs every refused connection
    try:
        driver = neo4j.GraphDatabase.driver(
            uri, auth=(user, password), connection_timeout=timeout_s, max_connection_pool_size=1
        )
        # An auto-commit run: execute_query would retry for 30 s on its own.
        with driver, driver.session(database=database) as session:
            session.run("RETURN 1 AS ok").consume()
        return True
    except AuthError as exc:
        if managed:
            hint = (
                "the managed database keeps the password of its first start; set NEO4J_PASSWORD "
                "to that one, or delete the state dir's neo4j/data to start afresh."
            )
        else:
            hint = "check NEO4J_USER / NEO4J_PASSWORD."
        raise AuthFailed(uri, user, hint) from exc
    except (DriverError, Neo4jError, OSError) as exc:
        logger.debug("neo4j not ready uri=%s error=%s", uri, type(exc).__name__)
        return False
