"""Create (and for the demo, recreate) the topics hausgraph uses."""

from __future__ import annotations

import contextlib
import logging
import time

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError

__all__ = ["delete_topics", "ensure_topics"]

log = logging.getLogger(__name__)


def ensure_topics(
    bootstrap: str,
    partitions: dict[str, int],
    replication: int = 1,
    configs: dict[str, dict[str, str]] | None = None,
) -> list[str]:
    """Create the missing topics with their ``configs`` (retention, compaction); return those created."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="hausgraph-admin")
    try:
        missing = [t for t in partitions if t not in set(admin.list_topics())]
        for topic in missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(
                            topic,
                            partitions[topic],
                            replication,
                            topic_configs=(configs or {}).get(topic, {}),
                        )
                    ]
                )
        if missing:
            log.info("topics created names=%s", ",".join(missing))
        return missing
    finally:
        admin.close()


def delete_topics(bootstrap: str, topics: list[str], wait_s: float = 30.0) -> None:
    """Delete ``topics`` (those that exist) and wait until the broker no longer lists them."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="hausgraph-admin")
    try:
        existing = [t for t in topics if t in set(admin.list_topics())]
        if existing:
            with contextlib.suppress(UnknownTopicOrPartitionError):
                admin.delete_topics(existing)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and set(existing) & set(admin.list_topics()):
            time.sleep(0.5)
    finally:
        admin.close()
