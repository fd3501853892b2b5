"""Exceptions of :mod:`hausgraph.servers`: one root, leaves that carry what went wrong."""

from __future__ import annotations

__all__ = [
    "AuthFailed",
    "JavaMissing",
    "MavenFailed",
    "MavenMissing",
    "NotReady",
    "PortInUse",
    "ServerDied",
    "ServerError",
    "Unreachable",
]


class ServerError(Exception):
    """Root of every error raised while fetching, starting or reaching a server.

    ``str(error)`` is a complete, single-paragraph message meant for the user.
    """


class JavaMissing(ServerError):
    """No usable Java (17 or newer) on ``PATH`` / ``JAVA_HOME``."""

    def __init__(self, found: str | None) -> None:
        self.found = found
        detail = f"found {found}" if found else "no 'java' on PATH and JAVA_HOME unset"
        super().__init__(f"Java 17 or newer is required to run the managed servers ({detail}).")


class MavenMissing(ServerError):
    """No ``mvn`` on ``PATH``; needed once to fetch the server jars."""

    def __init__(self) -> None:
        super().__init__(
            "Maven ('mvn') is required once to download the server jars from Maven Central; "
            "install it or point NEO4J_URI / KAFKA_BOOTSTRAP_SERVERS at running servers."
        )


class MavenFailed(ServerError):
    """``mvn`` could not assemble the jars of ``name`` ``version``."""

    def __init__(self, name: str, version: str, output_tail: str, network: bool) -> None:
        self.name = name
        self.version = version
        self.output_tail = output_tail
        self.network = network
        if network:
            why = "Maven Central is not reachable (the first start needs network access)"
        else:
            why = "Maven failed"
        super().__init__(
            f"Cannot download {name} {version} jars: {why}. mvn said: {_first_error(output_tail)}"
        )


def _first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("[ERROR]").strip() for line in lines if line.startswith("[ERROR]")]
    first = next((line for line in errors if line), lines[-1] if lines else "no output")
    return first if len(first) <= 300 else first[:297] + "..."


class PortInUse(ServerError):
    """``port`` on 127.0.0.1 is taken by another process; ``setting`` moves it."""

    def __init__(self, name: str, port: int, setting: str) -> None:
        self.name = name
        self.port = port
        self.setting = setting
        super().__init__(
            f"Port {port} for {name} is already in use by another process; "
            f"stop that process or choose another port with {setting}=<port>."
        )


class ServerDied(ServerError):
    """The server process ``name`` exited during startup; ``log_tail`` says why."""

    def __init__(self, name: str, log_tail: str, log_path: str) -> None:
        self.name = name
        self.log_tail = log_tail
        self.log_path = log_path
        super().__init__(f"{name} exited during startup (log: {log_path}). Last lines:\n{log_tail}")


class NotReady(ServerError):
    """The server ``name`` is running but did not answer within ``waited_s`` seconds."""

    def __init__(self, name: str, waited_s: float, log_path: str) -> None:
        self.name = name
        self.waited_s = waited_s
        self.log_path = log_path
        super().__init__(
            f"{name} did not become ready within {waited_s:.0f}s (log: {log_path}); "
            "raise HAUSGRAPH_SERVER_START_TIMEOUT_S on slow machines."
        )


class AuthFailed(ServerError):
    """Neo4j at ``uri`` rejected ``user`` and the configured password."""

    def __init__(self, uri: str, user: str, hint: str) -> None:
        self.uri = uri
        self.user = user
        super().__init__(f"Neo4j at {uri} rejected the password for user '{user}'; {hint}")


class Unreachable(ServerError):
    """An external server at ``address`` does not answer."""

    def __init__(self, name: str, address: str, reason: str) -> None:
        self.name = name
        self.address = address
        self.reason = reason
        super().__init__(f"Cannot reach {name} at {address}: {reason}")
