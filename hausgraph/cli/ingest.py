"""``hausgraph ingest``: Kafka (until stopped) or a file / stdin into Neo4j."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer
from kafka import KafkaConsumer, TopicPartition
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.admin import migrate
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.cli.ingest_workers import run_workers
from hausgraph.cli.signals import stop_on_signals
from hausgraph.runtime import (
    graph_client,
    kafka_ingest_loop,
    pseudonymizer,
    suppression_list,
    topic_configs,
    topic_partitions,
)
from hausgraph.servers import resolve_connections
from ingest.batch import prepare
from ingest.deadletters import FileDeadLetters
from ingest.file_source import chunks, file_records, open_lines
from ingest.pipeline import WritePipeline, Written
from ingest.topics import ensure_topics

__all__ = ["app"]

app = typer.Typer(help="Stream view events and the catalog into Neo4j.", invoke_without_command=True)


@app.callback()
@handle_errors
def ingest(
    ctx: typer.Context,
    from_file: str | None = typer.Option(
        None, "--from-file", help="JSON Lines file (.gz ok) or - for stdin."
    ),
    content_file: str | None = typer.Option(None, "--content-file", help="Catalog JSON Lines file."),
    campaigns_file: str | None = typer.Option(
        None, "--campaigns-file", help="Campaign records JSON Lines file (contract §5)."
    ),
    dead_letters: Path = typer.Option(Path("out/dead-letters.jsonl"), help="Dead letters of a file ingest."),
    batch_size: int | None = typer.Option(None, help="Records per transaction."),
    workers: int = typer.Option(
        1, min=1, max=32, help="Kafka: ingester processes in the consumer group, with one combined status."
    ),
    worker_report: bool = typer.Option(
        False, "--worker-report", hidden=True, help="Run as one of --workers: report totals as JSON lines."
    ),
    bulk: str | None = typer.Option(
        None, "--bulk", help="History JSON Lines (.gz ok) into an EMPTY database via neo4j-admin import."
    ),
    kafka_resume: str = typer.Option(
        "none", "--kafka-resume", help="With --bulk: where streaming resumes: end, none or an RFC 3339 time."
    ),
    bulk_workers: int = typer.Option(2, "--bulk-workers", min=1, help="With --bulk: prepare processes."),
) -> None:
    """Consume Kafka until stopped (SIGTERM commits what was written), or ingest a file."""
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    if bulk is not None:
        from hausgraph.cli.ingest_bulk import bulk_ingest

        if workers > 1 or from_file:
            raise typer.BadParameter(
                "--bulk loads one history file; --workers and --from-file are for streaming",
                param_hint="--bulk",
            )
        bulk_ingest(settings, bulk, content_file, campaigns_file, dead_letters, kafka_resume, bulk_workers)
        return
    size = batch_size or settings.ingest_batch_size
    if workers > 1:
        if from_file or content_file or campaigns_file:
            raise typer.BadParameter(
                "--workers is for Kafka; a file is ingested by one process", param_hint="--workers"
            )
        conn = resolve_connections(settings)
        ensure_topics(conn.kafka_bootstrap, topic_partitions(settings), configs=topic_configs(settings))
        with graph_client(settings) as client:
            migrate(client)  # once, before the workers start
        t = run_workers(workers, size)
        console.print(
            f"stopped {t['workers']} workers ({t['restarts']} restarts, exit codes {t['exit_codes']}): "
            f"{t['batches']} batches, {t['fresh']:,} new events, {t['invalid']:,} dead letters"
        )
        return
    client = graph_client(settings)
    pseudo = pseudonymizer(settings)
    migrate(client)
    try:
        if from_file or content_file or campaigns_file:
            suppressed = suppression_list(settings, client)
            _ingest_files(
                client, pseudo, from_file, content_file, dead_letters, size, suppressed, campaigns_file
            )
        else:
            _ingest_kafka(client, settings, size, report=worker_report)
    finally:
        client.close()


def _ingest_files(
    client, pseudo, from_file, content_file, dead_path: Path, size: int, suppressed=None, campaigns_file=None
) -> None:
    sink = FileDeadLetters(dead_path)
    totals = {"valid": 0, "invalid": 0, "fresh": 0}

    def count(done: Written | None) -> None:
        if done is not None and done.result is not None:
            totals["valid"] += done.prep.valid
            totals["invalid"] += len(done.prep.dead)
            totals["fresh"] += done.result.fresh

    with (
        stop_on_signals() as stop,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} records"),
            TimeElapsedColumn(),
            console=console,
        ) as progress,
    ):
        for path, kind in ((content_file, "content"), (campaigns_file, "campaign"), (from_file, "view")):
            if not path:
                continue
            task = progress.add_task(f"{kind} {Path(path).name}", total=None)
            pipeline = WritePipeline(client, f"file:{kind}", sink, stop)
            with open_lines(path) as stream:
                for chunk in chunks(file_records(stream, str(path), kind), size):
                    if stop.is_set():
                        break
                    now_ms = int(time.time() * 1000)
                    prep = prepare(
                        chunk, pseudo, now_ms, suppressed.current() if suppressed is not None else None
                    )
                    count(pipeline.submit(prep, now_ms))
                    progress.advance(task, len(chunk))
            count(pipeline.drain())
            pipeline.close()
    sink.close()
    console.print(
        f"valid {totals['valid']:,}  new to the graph {totals['fresh']:,}  "
        f"dead letters {totals['invalid']:,} → {dead_path}"
    )


def _report(s) -> None:
    """One JSON line of running totals on stdout (read by ``--workers``' parent)."""
    line = {"batches": s.batches, "valid": s.valid, "invalid": s.invalid, "fresh": s.fresh}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _ingest_kafka(client, settings, size: int, report: bool = False) -> None:
    conn = resolve_connections(settings)
    ensure_topics(conn.kafka_bootstrap, topic_partitions(settings), configs=topic_configs(settings))
    loop, producer = kafka_ingest_loop(settings, conn, client, size)
    if report:
        with stop_on_signals() as stop:
            stats = loop.run(stop, on_batch=_report)
        _report(stats)
        producer.close()
        return
    with stop_on_signals() as stop:
        console.print(f"ingesting {settings.topic_views} + {settings.topic_content} → Neo4j; Ctrl-C to stop")
        with console.status("waiting for events") as status:
            stats = loop.run(
                stop,
                on_batch=lambda s: status.update(
                    f"{s.valid + s.invalid:,} records, {s.fresh:,} new, "
                    f"{s.invalid:,} dead letters, {s.rate:,.0f}/s"
                ),
            )
    producer.close()
    console.print(
        f"stopped after {stats.batches} batches: {stats.fresh:,} new events, {stats.invalid:,} dead letters"
    )


@app.command("status")
@handle_errors
def status(as_json: bool = typer.Option(False, "--json")) -> None:
    """Rate, lag per partition, dead letters by reason and the last commit."""
    settings = get_settings()
    with graph_client(settings) as client:
        row = client.read("ingest/read_stats")[0]
    lag = _lag(resolve_connections(settings).kafka_bootstrap, settings)
    out = {"stats": row["stats"], "dead_letters": row["dead_letters"], "lag": lag}
    if as_json:
        typer.echo(json.dumps(out, indent=2, default=str))
        return
    for s in row["stats"]:
        secs = max((s.get("last_commit", 0) - s.get("started", 0)) / 1000, 1e-9)
        console.print(
            f"[bold]{s['id']}[/]: {s['valid']:,} valid, {s['fresh']:,} new, {s['duplicates']:,} duplicates, "
            f"{s['invalid']:,} dead letters, {s['late']:,} late; ~{s['valid'] / secs:,.0f}/s; "
            f"last commit {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(s['last_commit'] / 1000))}"
        )
    table = Table("topic", "partition", "committed", "end", "lag")
    for r in lag:
        table.add_row(r["topic"], str(r["partition"]), str(r["committed"]), str(r["end"]), str(r["lag"]))
    console.print(table)
    dl = Table("dead-letter reason", "count")
    for d in sorted(row["dead_letters"], key=lambda d: -d["count"]):
        dl.add_row(d["reason"], f"{d['count']:,}")
    console.print(dl)


def _lag(bootstrap: str, settings) -> list[dict]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=settings.consumer_group, enable_auto_commit=False
    )
    try:
        parts = [
            TopicPartition(t, p)
            for t in (settings.topic_views, settings.topic_content, settings.topic_campaigns)
            for p in sorted(consumer.partitions_for_topic(t) or [])
        ]
        ends = consumer.end_offsets(parts) if parts else {}
        rows = []
        for tp in parts:
            committed = consumer.committed(tp) or 0
            rows.append(
                {
                    "topic": tp.topic,
                    "partition": tp.partition,
                    "committed": committed,
                    "end": ends[tp],
                    "lag": ends[tp] - committed,
                }
            )
        return rows
    finally:
        consumer.close()
