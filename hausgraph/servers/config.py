"""Pure rendering of the managed servers' config files and JVM command lines."""

from __future__ import annotations

import functools
import importlib.resources
from string import Template

from hausgraph.servers.layout import ServerPaths
from hausgraph.settings import Settings

__all__ = [
    "KAFKA_MAIN",
    "NEO4J_KNOWN_KEYS",
    "NEO4J_MAIN",
    "kafka_command",
    "kafka_storage_format_command",
    "neo4j_admin_command",
    "neo4j_command",
    "parse_properties",
    "render_kafka_log4j",
    "render_kafka_properties",
    "render_neo4j_conf",
    "size_bytes",
    "transaction_memory_limits",
]

NEO4J_MAIN = "org.neo4j.server.CommunityEntryPoint"
NEO4J_ADMIN_MAIN = "org.neo4j.cli.AdminTool"
KAFKA_MAIN = "kafka.Kafka"
KAFKA_STORAGE_MAIN = "kafka.tools.StorageTool"

#: Keys we render, each checked against Neo4j 5.26 strict config validation (a server
#: started with exactly this file); a unit test keeps the template inside this set.
NEO4J_KNOWN_KEYS: frozenset[str] = frozenset(
    {
        "server.default_listen_address",
        "server.default_advertised_address",
        "server.bolt.enabled",
        "server.bolt.listen_address",
        "server.bolt.advertised_address",
        "server.http.enabled",
        "server.http.listen_address",
        "server.http.advertised_address",
        "server.https.enabled",
        "server.memory.pagecache.size",
        "db.tx_log.rotation.retention_policy",
        "dbms.usage_report.enabled",
        "server.directories.data",
        "server.directories.logs",
        "server.directories.run",
        "server.directories.plugins",
        "server.directories.import",
        "internal.dbms.cypher_ip_blocklist",
        "dbms.security.allow_csv_import_from_file_urls",
        "db.memory.transaction.max",
        "db.memory.transaction.total.max",
        "internal.dbms.bolt.netty_server_shutdown_quiet_period",
    }
)

# What bin/neo4j would add from the stock neo4j.conf; we launch java ourselves, so the
# server.jvm.additional lines never apply and heap comes only from -Xms/-Xmx.
_NEO4J_JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.tls.ephemeralDHKeySize=2048",
    "-Djdk.tls.rejectClientInitiatedRenegotiation=true",
    "-Dlog4j2.disable.jmx=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
)

_KAFKA_JVM_FLAGS: tuple[str, ...] = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)

_KAFKA_PARTITIONS = 4
_NEO4J_TX_LOG_RETENTION = "500M size"


@functools.cache
def _template(name: str) -> Template:
    text = importlib.resources.files("hausgraph.servers").joinpath("conf", name).read_text("utf-8")
    return Template(text)


def parse_properties(text: str) -> dict[str, str]:
    """Parse ``key=value`` lines, skipping blanks and ``#`` comments.

    Examples
    --------
    >>> parse_properties("# c\\na=1\\n\\nb = x=y\\n")
    {'a': '1', 'b': 'x=y'}
    """
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


_SIZE_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}

#: Shares of the heap that Cypher transactions may hold: one transaction, and all of them together.
#: The rest stays for the page-cache bookkeeping, the bolt threads and the query cache, so a
#: transaction that wants more is killed with a MemoryLimitExceeded error instead of the JVM.
#: One transaction may take half (ingest batches and graph jobs need it: a quarter stopped them),
#: all together 60 %: a runaway console query is still stopped well before the JVM runs out.
_TX_MEMORY_SHARE = 0.5
_TX_MEMORY_TOTAL_SHARE = 0.6


def size_bytes(text: str) -> int:
    """Bytes of a JVM-style size (``768m``, ``1g``, ``512k``, ``1048576``).

    >>> size_bytes("768m"), size_bytes("1G"), size_bytes("4096")
    (805306368, 1073741824, 4096)
    """
    text = text.strip().lower()
    unit = text[-1] if text and text[-1] in _SIZE_UNITS else ""
    return int(float(text[: len(text) - len(unit)]) * _SIZE_UNITS[unit])


def transaction_memory_limits(heap: str) -> tuple[str, str]:
    """``(db.memory.transaction.max, db.memory.transaction.total.max)`` for a heap of ``heap``.

    >>> transaction_memory_limits("768m")
    ('384m', '460m')
    >>> transaction_memory_limits("1g")
    ('512m', '614m')
    """
    total = size_bytes(heap)
    return (f"{int(total * _TX_MEMORY_SHARE) // 2**20}m", f"{int(total * _TX_MEMORY_TOTAL_SHARE) // 2**20}m")


def render_neo4j_conf(settings: Settings, paths: ServerPaths) -> str:
    """Return the text of ``neo4j.conf`` for the managed Neo4j.

    Parameters
    ----------
    settings
        Supplies ports, page cache size and the heap the transaction memory limits are cut from.
    paths
        The Neo4j :class:`ServerPaths`; directories point into the state dir.
    """
    tx_max, tx_total_max = transaction_memory_limits(settings.neo4j_heap)
    tx_max = settings.neo4j_tx_memory_max or tx_max
    tx_total_max = settings.neo4j_tx_memory_total_max or tx_total_max
    return _template("neo4j.conf").substitute(
        tx_memory_max=tx_max,
        tx_memory_total_max=tx_total_max,
        bolt_port=settings.neo4j_bolt_port,
        http_port=settings.neo4j_http_port,
        pagecache=settings.neo4j_pagecache,
        tx_log_retention=_NEO4J_TX_LOG_RETENTION,
        data_dir=paths.data_dir,
        logs_dir=paths.logs_dir,
        run_dir=paths.run_dir,
        plugins_dir=paths.home / "plugins",
        import_dir=paths.home / "import",
    )


def render_kafka_properties(settings: Settings, paths: ServerPaths) -> str:
    """Return the text of ``server.properties`` for the single-node KRaft broker."""
    return _template("kafka.properties").substitute(
        port=settings.kafka_port,
        controller_port=settings.kafka_controller_port,
        data_dir=paths.data_dir,
        partitions=_KAFKA_PARTITIONS,
    )


def render_kafka_log4j(paths: ServerPaths) -> str:
    """Return the reload4j config that writes the broker log into the state dir."""
    return _template("kafka-log4j.properties").substitute(logs_dir=paths.logs_dir)


def _classpath(*parts: object) -> str:
    return ":".join(str(p) for p in parts)


def neo4j_command(java: str, settings: Settings, paths: ServerPaths) -> list[str]:
    """Return the argv that runs the Neo4j server in the foreground."""
    heap = settings.neo4j_heap
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *_NEO4J_JVM_FLAGS,
        "-cp",
        _classpath(paths.home / "plugins" / "*", paths.conf_dir, paths.lib_dir / "*"),
        NEO4J_MAIN,
        f"--home-dir={paths.home}",
        f"--config-dir={paths.conf_dir}",
    ]


def neo4j_admin_command(java: str, paths: ServerPaths, *args: str) -> list[str]:
    """Return the argv of ``neo4j-admin <args>``; run it with NEO4J_HOME/NEO4J_CONF set."""
    return [
        java,
        "-Xmx256m",
        "-cp",
        _classpath(paths.conf_dir, paths.lib_dir / "*"),
        NEO4J_ADMIN_MAIN,
        *args,
    ]


def _kafka_base(java: str, paths: ServerPaths, heap: str) -> list[str]:
    return [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *_KAFKA_JVM_FLAGS,
        f"-Dlog4j.configuration=file:{paths.conf_dir / 'log4j.properties'}",
        "-cp",
        _classpath(paths.lib_dir / "*"),
    ]


def kafka_command(java: str, settings: Settings, paths: ServerPaths) -> list[str]:
    """Return the argv that runs the Kafka broker in the foreground."""
    return [
        *_kafka_base(java, paths, settings.kafka_heap),
        KAFKA_MAIN,
        str(paths.conf_dir / "server.properties"),
    ]


def kafka_storage_format_command(java: str, paths: ServerPaths, cluster_id: str) -> list[str]:
    """Return the argv that formats the KRaft log dir once (idempotent)."""
    return [
        *_kafka_base(java, paths, "256m"),
        KAFKA_STORAGE_MAIN,
        "format",
        f"--cluster-id={cluster_id}",  # one token: an id may start with "-", which argparse takes for a flag
        "-c",
        str(paths.conf_dir / "server.properties"),
        "--ignore-formatted",
    ]
