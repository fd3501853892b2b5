"""Starting the activation API: settings → service, feeds and uvicorn; a process starter for the demo."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from graph.activation import BadRules, parse_rules
from hausgraph.api.app import create_app
from hausgraph.api.fastpath import fast_decide
from hausgraph.api.feeds import GraphFeed, KafkaFeed, load_campaign_file, load_households_file
from hausgraph.api.latency import OneWriteHttp, Timings, timed
from hausgraph.api.scaleout import ExposureRouter, Ownership
from hausgraph.api.service import ActivationService
from hausgraph.runtime import graph_client, pseudonymizer
from hausgraph.servers import Connections
from hausgraph.settings import Settings
from ingest.topics import ensure_topics

__all__ = [
    "LOOPBACK",
    "RefusedStart",
    "Running",
    "api_command",
    "build",
    "serve",
    "start_api_process",
    "start_for_demo",
]

log = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class RefusedStart(Exception):
    """The service will not start as configured (no tokens off loopback, a bad rules file)."""


def tokens_of(settings: Settings) -> list[str]:
    raw = settings.api_tokens.get_secret_value() if settings.api_tokens else ""
    return [t.strip() for t in raw.split(",") if t.strip()]


def check_bind(host: str, tokens: list[str]) -> None:
    """Refuse any address but loopback without bearer tokens.

    >>> check_bind("0.0.0.0", [])
    Traceback (most recent call last):
    ...
    hausgraph.api.server.RefusedStart: refusing to bind 0.0.0.0 without HAUSGRAPH_API_TOKENS ...
    """
    if host not in LOOPBACK and not tokens:
        raise RefusedStart(f"refusing to bind {host} without HAUSGRAPH_API_TOKENS (loopback needs none)")


def load_rules(path: Path | None):
    if path is None:
        return []
    try:
        return parse_rules(path.read_text(), str(path))
    except BadRules as err:
        raise RefusedStart(f"bad house rules: {err}") from None
    except OSError as err:
        raise RefusedStart(f"cannot read the rules file {path}: {err.strerror}") from None


@dataclass
class Running:
    service: ActivationService
    stop: threading.Event
    threads: list[threading.Thread] = field(default_factory=list)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(10)


def build(settings: Settings, conn: Connections) -> Running:
    """The service with its Kafka and Neo4j feeds started in background threads."""
    rules = load_rules(settings.activation_rules)
    service = ActivationService(
        pseudonymizer(settings),
        rules,
        int(settings.activation_reserve_s * 1000),
        int(settings.activation_past_s * 1000),
    )
    if settings.activation_campaigns_file is not None:
        ok, bad = load_campaign_file(service, settings.activation_campaigns_file)
        log.info("campaigns loaded file=%s valid=%d invalid=%d", settings.activation_campaigns_file, ok, bad)
    stop = threading.Event()
    campaigns = None if settings.activation_campaigns_file is not None else settings.topic_campaigns
    own = ownership(settings)
    if own is None:
        kafka = KafkaFeed(
            service,
            conn.kafka_bootstrap,
            settings.activation_group,
            settings.topic_views,
            settings.topic_content,
            campaigns,
        )
        feeds = [("activation-kafka", kafka.run)]
    else:
        ensure_topics(conn.kafka_bootstrap, {settings.topic_exposures: own.partitions})
        service.holds = own.holds
        kafka = KafkaFeed(
            service, conn.kafka_bootstrap, settings.activation_group, settings.topic_views,
            settings.topic_content, campaigns, settings.topic_exposures, own.owned(),
        )  # fmt: skip
        router = ExposureRouter(
            service, conn.kafka_bootstrap, settings.activation_group, settings.topic_views,
            settings.topic_exposures, own.partitions, (own.index, own.count),
        )  # fmt: skip
        feeds = [("activation-kafka", kafka.run), ("activation-router", router.run)]
    if settings.activation_households_file is not None:
        n = load_households_file(service, settings.activation_households_file)
        log.info("device map loaded file=%s devices=%d", settings.activation_households_file, n)
    else:
        # short driver retries: a poll that hangs in the driver during a Neo4j restart would delay the next
        # households run's map past the 15 s the issue allows; the feed retries on its own every poll
        fast = {
            "max_transaction_retry_time": 2.0,
            "connection_timeout": 5.0,
            "connection_acquisition_timeout": 5.0,
        }
        graph = GraphFeed(
            service, lambda: graph_client(settings, conn, **fast), settings.activation_refresh_s
        )
        feeds.append(("activation-neo4j", graph.run))
    feeds.append(("activation-prune", service.prune_loop))
    running = Running(service, stop)
    for name, target in feeds:
        t = threading.Thread(target=target, args=(stop,), name=name, daemon=True)
        t.start()
        running.threads.append(t)
    return running


def ownership(settings: Settings) -> Ownership | None:
    """This instance's share of the exposures topic, or None when it runs alone."""
    if not settings.activation_instance:
        return None
    try:
        return Ownership.parse(
            settings.activation_instance, settings.activation_exposure_partitions, settings.activation_peers
        )
    except ValueError as err:
        raise RefusedStart(f"HAUSGRAPH_ACTIVATION_INSTANCE/PEERS: {err}") from None


def serve(settings: Settings, conn: Connections, host: str | None = None, port: int | None = None) -> None:
    """Run the API until interrupted (uvicorn; OpenAPI at /docs)."""
    import uvicorn

    host = host or settings.api_host
    port = port or settings.api_port
    tokens = tokens_of(settings)
    check_bind(host, tokens)
    gc.set_threshold(50_000, 20, 50)  # fewer young-generation passes over a large, stable state
    running = build(settings, conn)
    timings = Timings()
    own = ownership(settings)
    app = create_app(running.service, tokens, own, timings)
    app = timed(fast_decide(app, running.service, tokens, own), timings)
    log.info("activation api host=%s port=%d tokens=%d", host, port, len(tokens))
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=OneWriteHttp,
        )
    finally:
        running.close()


def api_command(port: int | None = None) -> list[str]:
    """argv of ``hausgraph serve`` in this interpreter."""
    cmd = [sys.executable, "-m", "hausgraph.api"]
    return cmd + (["--port", str(port)] if port else [])


def start_api_process(settings: Settings, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``hausgraph serve`` as a child process (the demo starts it beside the dashboard; stop it with
    ``proc.send_signal(SIGINT)`` then ``proc.wait``)."""
    env = {**os.environ, **(env or {})}
    if settings.demo_mode:
        env["HAUSGRAPH_DEMO_MODE"] = "1"
    from hausgraph.cli.signals import spawn_child  # a child that cannot outlive the demo

    return spawn_child(api_command(settings.api_port), env=env)


def start_for_demo(settings: Settings, conn: Connections, params) -> subprocess.Popen:
    """For ``hausgraph demo``: the generated world's campaign records into the campaigns topic, then
    ``hausgraph serve`` as a child process (stop it with ``send_signal(SIGINT)`` and ``wait``)."""
    from generator.campaigns import campaign_lines
    from generator.sinks import KafkaSink

    ensure_topics(conn.kafka_bootstrap, {settings.topic_campaigns: 1})
    with KafkaSink(conn.kafka_bootstrap, settings.topic_campaigns) as sink:
        lines, keys = campaign_lines(params)
        sink.write(lines, keys)
    secret = {"HAUSGRAPH_PSEUDONYM_SECRET": params.secret} if settings.pseudonym_secret is None else {}
    return start_api_process(settings, secret)
