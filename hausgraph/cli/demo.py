"""``hausgraph demo``: the main job end to end — servers, world, Kafka, ingest, jobs, dashboard."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graph.admin import migrate
from graph.admin import reset as admin_reset
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.runtime import (
    graph_client,
    graph_params,
    kafka_ingest_loop,
    pseudonym_secret,
    topic_configs,
    topic_partitions,
)
from hausgraph.servers import ensure_started
from ingest.kafka_source import IngestLoop, end_offsets
from ingest.topics import delete_topics, ensure_topics

__all__ = ["demo"]


def _ingest_until_caught_up(loop: IngestLoop, ends: dict[tuple[str, int], int], progress: Progress) -> None:
    task = progress.add_task("ingest Kafka → Neo4j (records)", total=sum(ends.values()))
    stop = threading.Event()
    worker = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    worker.start()
    while worker.is_alive() and not loop.caught_up(ends):
        progress.update(task, completed=loop.stats.valid + loop.stats.invalid)
        time.sleep(0.3)
    progress.update(task, completed=sum(ends.values()))
    stop.set()
    worker.join(60)


@handle_errors
def demo(
    households: int = typer.Option(300, help="Households in the generated world."),
    days: int = typer.Option(
        21,
        help="Simulated days (three weeks: a propensity model needs 17 to be evaluated on a held-back week).",
    ),
    seed: int = typer.Option(1, help="World seed."),
    out: Path = typer.Option(Path("out/demo"), help="Where the truth and exports go."),
    serve: bool = typer.Option(True, help="Serve the dashboard at the end (until Ctrl-C)."),
    live_rate: float = typer.Option(50.0, help="Live events/s streamed while the dashboard runs (0: none)."),
    reset: bool | None = typer.Option(
        None,
        help="Start from an empty graph and fresh topics "
        "(default: yes on the managed servers, no on external ones).",
    ),
) -> None:
    """Servers up, world generated into Kafka, ingested, graph jobs run, exports scored, dashboard served."""
    from generator.params import WorldParams
    from generator.run import generate_to_kafka
    from graph.jobs.pipeline import run_all

    settings = get_settings()
    if settings.pseudonym_secret is None and not settings.demo_mode:
        settings = settings.model_copy(update={"demo_mode": True})
        console.print(
            "[yellow]DEMO MODE[/]: no HAUSGRAPH_PSEUDONYM_SECRET, using a generated per-checkout secret"
        )
    conn = ensure_started(settings, console=console)
    client = graph_client(settings, conn)
    topics = topic_partitions(settings)
    if reset if reset is not None else (conn.neo4j_managed and conn.kafka_managed):
        before = admin_reset(client)
        delete_topics(conn.kafka_bootstrap, list(topics))
        console.print(f"reset: {sum(before['node'].values()):,} nodes deleted, topics recreated")
    migrate(client)
    ensure_topics(conn.kafka_bootstrap, topics, configs=topic_configs(settings))
    params = WorldParams(households=households, days=days, seed=seed, secret=pseudonym_secret(settings))
    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*cols, console=console) as progress:
        task = progress.add_task("generate world → Kafka (days)", total=days)
        generate_to_kafka(
            params,
            conn.kafka_bootstrap,
            settings.topic_views,
            settings.topic_content,
            truth_path=out / "truth.json",
            campaigns_topic=settings.topic_campaigns,
            progress=lambda d, _lines: progress.update(task, completed=d),
        )
        ends = end_offsets(
            conn.kafka_bootstrap, [settings.topic_views, settings.topic_content, settings.topic_campaigns]
        )
        loop, producer = kafka_ingest_loop(settings, conn, client)
        _ingest_until_caught_up(loop, ends, progress)
        producer.close()
    console.print(f"ingested {loop.stats.fresh:,} new events, {loop.stats.invalid:,} dead letters")
    run_all(client, graph_params(settings), progress=lambda msg: console.print(f"  {msg}"))
    from hausgraph.cli.scoring import export_and_evaluate

    export_and_evaluate(client, out, out / "truth.json")
    client.close()
    if serve:
        from hausgraph.cli.live import serve_with_live_feed

        serve_with_live_feed(settings, conn, params, live_rate)
