"""Where each managed server keeps its jars (per machine) and its state (per checkout)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hausgraph.private_files import private_dir
from hausgraph.settings import Settings

__all__ = ["SERVER_NAMES", "ServerPaths", "server_paths"]

#: Managed servers in start order (the ingester needs both; Neo4j is the slow one).
SERVER_NAMES: tuple[str, ...] = ("neo4j", "kafka")


@dataclass(frozen=True)
class ServerPaths:
    """All paths of one managed server.

    ``lib_dir`` lives in the per-machine cache and is keyed by version; everything else
    lives under ``<state_dir>/<name>``.
    """

    name: str
    version: str
    lib_dir: Path
    home: Path

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def out_file(self) -> Path:
        """The JVM's own stdout/stderr (crashes before logging is up land here)."""
        return self.logs_dir / f"{self.name}.out"

    @property
    def main_log(self) -> Path:
        """The log a human reads first."""
        return self.logs_dir / ("neo4j.log" if self.name == "neo4j" else "server.log")

    @property
    def lock_file(self) -> Path:
        return self.home / ".start.lock"

    def ensure_dirs(self) -> None:
        """Create the state directories (the cache is created by the fetcher)."""
        private_dir(self.home.parent)
        for path in (self.home, self.conf_dir, self.data_dir, self.logs_dir, self.run_dir):
            private_dir(path)


def server_paths(settings: Settings, name: str) -> ServerPaths:
    """Return the paths of managed server ``name`` (``"neo4j"`` or ``"kafka"``).

    Parameters
    ----------
    settings
        Supplies ``state_dir``, ``cache_dir`` and the versions.
    name
        One of :data:`SERVER_NAMES`.

    Examples
    --------
    >>> from pathlib import Path
    >>> s = Settings(state_dir=Path("/st"), cache_dir=Path("/c"), kafka_version="3.9.2")
    >>> p = server_paths(s, "kafka")
    >>> str(p.lib_dir), str(p.pid_file)
    ('/c/kafka-3.9.2/lib', '/st/kafka/run/kafka.pid')
    """
    if name not in SERVER_NAMES:
        raise ValueError(f"unknown server {name!r}; expected one of {SERVER_NAMES}")
    version = settings.neo4j_version if name == "neo4j" else settings.kafka_version
    state_dir = Path(settings.state_dir).absolute()
    cache_dir = Path(settings.cache_dir).expanduser().absolute()
    return ServerPaths(
        name=name,
        version=version,
        lib_dir=cache_dir / f"{name}-{version}" / "lib",
        home=state_dir / name,
    )
