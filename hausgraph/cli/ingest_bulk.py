"""``hausgraph ingest --bulk F``: the CLI shell of :mod:`hausgraph.bulk_import`, with progress bars."""

from __future__ import annotations

import time
from pathlib import Path

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from hausgraph.bulk_import import BulkRefused, run_bulk
from hausgraph.cli.common import console
from hausgraph.runtime import graph_client, pseudonym_secret
from hausgraph.servers import ensure_started, resolve_connections
from hausgraph.servers.manager import is_managed
from hausgraph.settings import Settings
from ingest.bulk import check_readable

__all__ = ["bulk_ingest"]


def bulk_ingest(
    settings: Settings,
    views: str,
    content: str | None,
    campaigns: str | None,
    dead_path: Path,
    kafka_resume: str,
    workers: int,
) -> None:
    """Run the bulk import and print what it loaded and where the time went."""
    for p in (views, content, campaigns):
        if p:
            check_readable(p)
    if not is_managed(settings, "neo4j"):
        raise BulkRefused(
            "--bulk needs the managed Neo4j (hausgraph servers); NEO4J_URI names another server"
        )
    secret = pseudonym_secret(settings)
    conn = ensure_started(settings) if kafka_resume != "none" else None
    if conn is None:
        from hausgraph.servers import start

        start(settings, ["neo4j"], console)
    work = Path(settings.state_dir) / "bulk-import"
    t0 = time.monotonic()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, int] = {}

        def on_progress(step: str, n: int) -> None:
            if step not in tasks:
                label = {"spill": "split events by device", "prepare": "prepare + CSV (events)"}[step]
                tasks[step] = progress.add_task(label, total=None)
            progress.advance(tasks[step], n)

        stage_task: list[int] = []

        def on_stage(stage: str, percent: int) -> None:
            for t in tasks.values():
                progress.update(t, total=progress.tasks[t].completed)
            if not stage_task:
                stage_task.append(progress.add_task("neo4j-admin import", total=100))
            if stage:
                progress.update(stage_task[0], description=f"import {stage}", completed=percent)
            else:
                progress.update(stage_task[0], completed=percent)

        report = run_bulk(
            settings,
            lambda: graph_client(settings, resolve_connections(settings)),
            views,
            content,
            campaigns,
            secret,
            dead_path,
            work,
            kafka_resume=kafka_resume,
            kafka_bootstrap=conn.kafka_bootstrap if conn is not None else None,
            workers=workers,
            on_progress=on_progress,
            on_stage=on_stage,
            console=None,
        )
    total = time.monotonic() - t0
    view = next((g for g in report.files.groups if g.group == "file:view"), None)
    records = sum(g.valid + g.invalid for g in report.files.groups)
    console.print(
        f"loaded {records:,} records in {total:,.1f} s ({records / max(total, 1e-9):,.0f}/s): "
        + (f"{view.fresh:,} events, " if view else "")
        + f"{len(report.files.dead.dead):,} dead letters → {dead_path}"
    )
    console.print(
        "nodes/relationships: " + ", ".join(f"{k} {v:,}" for k, v in sorted(report.files.counts.items()))
    )
    console.print(
        "seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in {**report.files.seconds, **report.seconds}.items())
    )
    if report.offsets:
        resumed = [o for o in report.offsets if o["group"] == settings.consumer_group]
        if resumed:
            console.print(f"streaming resumes {settings.consumer_group} at {len(resumed)} stored offsets")
