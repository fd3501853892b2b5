"""The demo's live phase: a generated stream into Kafka, the ingester, the scheduler and the app."""

from __future__ import annotations

import os
import threading
import time

from generator.live import stream_live
from generator.params import WorldParams
from generator.sinks import KafkaSink
from graph.jobs.schedule import build_scheduler
from hausgraph.api.server import start_for_demo
from hausgraph.cli.common import console
from hausgraph.cli.dashboard import streamlit_command
from hausgraph.cli.signals import leave_now, spawn_child, stop_child, stop_on_signals
from hausgraph.runtime import graph_client, graph_params, job_lease, job_schedule, kafka_ingest_loop
from hausgraph.servers import Connections
from hausgraph.servers.supervise import start_supervisor
from hausgraph.settings import Settings

__all__ = ["serve_with_live_feed"]

#: seconds from a stop signal to the last thread joined (worker threads are daemons past it)
_STOP_WITHIN_S = 3.0


def serve_with_live_feed(settings: Settings, conn: Connections, params: WorldParams, rate: float) -> None:
    """Run until Ctrl-C: live events → Kafka → ingest → incremental jobs, with the dashboard served."""
    stop = threading.Event()
    supervisor = start_supervisor(settings, say=console.print)  # restarts a managed server that dies
    client = graph_client(settings, conn)
    threads = []
    producer = None
    if rate > 0:
        sink = KafkaSink(conn.kafka_bootstrap, settings.topic_views)
        threads.append(
            threading.Thread(
                target=stream_live,
                name="live-feed",
                daemon=True,
                kwargs={"params": params, "sink": sink, "rate": rate, "forever": True, "stop": stop},
            )
        )
        loop, producer = kafka_ingest_loop(settings, conn, client)
        threads.append(threading.Thread(target=loop.run, args=(stop,), name="ingest", daemon=True))
    sched = build_scheduler(
        client,
        job_schedule(settings),
        say=lambda m: None,
        background=True,
        lease=job_lease(settings),
        params=graph_params(settings),
    )
    for t in threads:
        t.start()
    sched.start()
    env = {
        **os.environ,
        "HAUSGRAPH_DEMO_MODE": "1" if settings.demo_mode else os.environ.get("HAUSGRAPH_DEMO_MODE", ""),
    }
    console.print(
        f"[bold green]dashboard on http://127.0.0.1:{settings.dashboard_port}[/] "
        f"(live feed {rate:g} events/s → Kafka → Neo4j, jobs on schedule); Ctrl-C to stop"
    )
    with stop_on_signals() as stopping:
        api = start_for_demo(settings, conn, params)  # the activation API for ad servers
        console.print(f"[bold green]activation API on http://127.0.0.1:{settings.api_port}/docs[/]")
        app = spawn_child(streamlit_command(settings.dashboard_port, None), env=env)
        try:
            while not stopping.wait(0.5) and app.poll() is None:
                pass
        finally:
            supervisor.stop(timeout_s=0.2)  # a restart under way goes on without us
            _shut_down([app, api], stop, sched, threads, producer)
            client.close()
    leave_now(grace_s=0.5)


def _shut_down(children, stop: threading.Event, sched, threads: list[threading.Thread], producer) -> None:
    """Everything stops within a few seconds, even with a server down: the workers wait on ``stop``."""
    deadline = time.monotonic() + _STOP_WITHIN_S
    stop.set()
    sched.shutdown(wait=False)
    stop_child(*children, grace_s=2.0)
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    if producer is not None:
        producer.close(timeout=max(0.1, deadline - time.monotonic()))
    console.print("stopped")
