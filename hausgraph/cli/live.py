"""The demo's live phase: a generated stream into Kafka, the ingester, the scheduler and the app."""

from __future__ import annotations

import os
import signal
import subprocess
import threading

from generator.live import stream_live
from generator.params import WorldParams
from generator.sinks import KafkaSink
from graph.jobs.schedule import build_scheduler
from hausgraph.cli.common import console
from hausgraph.cli.dashboard import streamlit_command
from hausgraph.runtime import graph_client, graph_params, job_schedule, kafka_ingest_loop
from hausgraph.servers import Connections
from hausgraph.settings import Settings

__all__ = ["serve_with_live_feed"]


def serve_with_live_feed(settings: Settings, conn: Connections, params: WorldParams, rate: float) -> None:
    """Run until Ctrl-C: live events → Kafka → ingest → incremental jobs, with the dashboard served."""
    stop = threading.Event()
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
        client, job_schedule(settings), say=lambda m: None, background=True, params=graph_params(settings)
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
    app = subprocess.Popen(streamlit_command(settings.dashboard_port, True, None), env=env)
    try:
        app.wait()
    except KeyboardInterrupt:
        app.send_signal(signal.SIGINT)
        app.wait(30)
    finally:
        stop.set()
        sched.shutdown(wait=False)
        for t in threads:
            t.join(30)
        if producer is not None:
            producer.close()
        client.close()
