"""The managed single-node KRaft Kafka broker: config, storage format and readiness probe."""

from __future__ import annotations

import base64
import logging
import subprocess
import uuid

from kafka import KafkaAdminClient

from hausgraph.servers import config
from hausgraph.servers.errors import ServerDied
from hausgraph.servers.layout import ServerPaths
from hausgraph.servers.process import port_open
from hausgraph.settings import Settings

__all__ = ["NAME", "command", "ports", "prepare", "probe", "stop_timeout_s"]

logger = logging.getLogger(__name__)

NAME = "kafka"
MARKER = config.KAFKA_MAIN
stop_timeout_s = 60.0


def ports(settings: Settings) -> list[tuple[str, int, str]]:
    """``(label, port, env var that changes it)`` for each port the broker binds."""
    return [
        ("broker", settings.kafka_port, "HAUSGRAPH_KAFKA_PORT"),
        ("controller", settings.kafka_controller_port, "HAUSGRAPH_KAFKA_CONTROLLER_PORT"),
    ]


def _cluster_id(paths: ServerPaths) -> str:
    path = paths.home / "cluster.id"
    if path.exists():
        return path.read_text().strip()
    cluster_id = "-"
    while cluster_id.startswith("-"):  # as Kafka's own Uuid.randomUuid: never a leading dash
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    path.write_text(cluster_id + "\n")
    return cluster_id


def prepare(settings: Settings, paths: ServerPaths, java: str) -> None:
    """Write ``server.properties`` and the log config; format the KRaft log dir once."""
    paths.ensure_dirs()
    (paths.conf_dir / "server.properties").write_text(
        config.render_kafka_properties(settings, paths), "utf-8"
    )
    (paths.conf_dir / "log4j.properties").write_text(config.render_kafka_log4j(paths), "utf-8")
    if (paths.data_dir / "meta.properties").exists():
        return
    argv = config.kafka_storage_format_command(java, paths, _cluster_id(paths))
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=300, cwd=paths.home)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise ServerDied("kafka storage format", tail, str(paths.main_log))
    logger.info("formatted kafka storage dir=%s", paths.data_dir)


def command(java: str, settings: Settings, paths: ServerPaths) -> list[str]:
    """The argv that runs the broker in the foreground."""
    return config.kafka_command(java, settings, paths)


def probe(bootstrap: str, *, timeout_s: float = 5.0) -> bool:
    """Whether the broker(s) at ``bootstrap`` answer a topic listing."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    # A cheap TCP check first: kafka-python logs loudly on refused connections.
    if not port_open(int(port), host.strip("[]") or "127.0.0.1", timeout=min(timeout_s, 1.0)):
        return False
    timeout_ms = int(timeout_s * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="hausgraph-probe",
            request_timeout_ms=timeout_ms,
        )
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
        logger.debug("kafka not ready bootstrap=%s error=%s", bootstrap, type(exc).__name__)
        return False
    try:
        admin.list_topics()
        return True
    except Exception as exc:  # noqa: BLE001
        logger.debug("kafka not ready bootstrap=%s error=%s", bootstrap, type(exc).__name__)
        return False
    finally:
        admin.close()
