"""The demo's live phase: a generated stream into Kafka, the ingester, the scheduler and the app."""

from __future__ import annotations

import os
import signal
import subprocess
import threading

from kafka import KafkaProducer

from generator.live import stream_live
from generator.params import WorldParams
from generator.sinks import KafkaSink
from graph.jobs.schedule import Schedule, build_scheduler
from hausgraph.cli.common import console
from hausgraph.cli.dashboard import streamlit_command
from hausgraph.runtime import graph_client, pseudonymizer
from hausgraph.servers import Connections
from hausgraph.settings import Settings
from ingest.deadletters import KafkaDeadLetters
from ingest.kafka_source import IngestLoop, make_consumer

__all__ = ["serve_with_live_feed"]


def serve_with_live_feed(settings: Settings, conn: Connections, params: WorldParams, rate: float) -> None:
    """Run until Ctrl-C: live events → Kafka → ingest → incremental jobs, with the dashboard served."""
    stop = threading.Event()
    client = graph_client(settings, conn)
    threads = []
    if rate > 0:
        sink = KafkaSink(conn.kafka_bootstrap, settings.topic_views)
        threads.append(threading.Thread(target=stream_live, name="live-feed", daemon=True,
                                        kwargs={"params": params, "sink": sink, "rate": rate, "forever": True,
                                                "stop": stop}))
        producer = KafkaProducer(bootstrap_servers=conn.kafka_bootstrap, acks="all")
        loop = IngestLoop(
            make_consumer(conn.kafka_bootstrap, settings.consumer_group, settings.ingest_batch_size), client,
            KafkaDeadLetters(producer, settings.topic_dlq), pseudonymizer(settings), settings.consumer_group,
            settings.topic_views, settings.topic_content, settings.ingest_poll_timeout_ms, settings.ingest_batch_size,
        )
        threads.append(threading.Thread(target=loop.run, args=(stop,), name="ingest", daemon=True))
    sched = build_scheduler(client, Schedule(settings.schedule_households_s, settings.schedule_social_s,
                                             settings.schedule_affinity_s, settings.schedule_incremental_s),
                            say=lambda m: None, background=True)
    for t in threads:
        t.start()
    sched.start()
    env = {**os.environ, "HAUSGRAPH_DEMO_MODE": "1" if settings.demo_mode else os.environ.get("HAUSGRAPH_DEMO_MODE", "")}
    console.print(f"[bold green]dashboard on http://127.0.0.1:{settings.dashboard_port}[/] "
                  f"(live feed {rate:g} events/s → Kafka → Neo4j, jobs on schedule); Ctrl-C to stop")
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
        client.driver.close()
