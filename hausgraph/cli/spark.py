"""``hausgraph export presence``, ``jobs run households|social --engine spark`` and ``import
memberships|links``: the household and social jobs on a Spark cluster, through Parquet files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from graph.jobs.reads import presence_rows
from graph.spark import InputInvalid
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.runtime import graph_client, graph_params

__all__ = ["export_presence", "import_app", "import_links", "run_spark_job"]

import_app = typer.Typer(help="Results computed elsewhere (Spark) into the graph.", no_args_is_help=True)

#: Jobs that have a Spark engine.
SPARK_JOBS = ("households", "social")


@handle_errors
def export_presence(
    out: Path = typer.Option(..., help="Directory for the presence Parquet dataset."),
) -> None:
    """The presence table (device, device_type, network, family, hour, events) as Parquet."""
    from graph.spark.files import write_presence

    with graph_client(get_settings()) as client, console.status("reading presence"):
        rows = presence_rows(client)
    if not rows:
        raise InputInvalid("graph", "no presence rows to export (ingest events first)")
    n = write_presence(rows, out)
    console.print(f"{n:,} presence rows → {out}")


@handle_errors
def run_spark_job(
    job: str, input_dir: str | None, output_dir: str | None, master: str | None, seed: int
) -> None:
    """``jobs run <job> --engine spark``: presence Parquet in, household Parquet out; ``social``
    reads the ``memberships/`` a household run wrote in ``output_dir`` and writes ``links/`` beside."""
    if job not in SPARK_JOBS:
        console.print(f"[red]job {job} has no Spark engine; Spark runs: {', '.join(SPARK_JOBS)}[/]")
        raise typer.Exit(2)
    if input_dir is None or output_dir is None:
        console.print("[red]--engine spark needs --input DIR (presence Parquet) and --output DIR[/]")
        raise typer.Exit(2)
    from graph.spark.files import check_presence_dir
    from graph.spark.session import check_engine

    if "://" not in input_dir:
        check_presence_dir(Path(input_dir))
    if job == "social" and "://" not in output_dir:
        from graph.spark.files import check_memberships_dir

        check_memberships_dir(Path(output_dir) / "memberships")

    check_engine()
    from graph.spark.core import run_spark_households
    from graph.spark.session import spark_session

    started = time.monotonic()
    say = lambda stage, s: console.print(f"  {stage}: {s:.1f}s")
    settings = get_settings()
    with console.status(f"starting Spark ({master or 'local[2] / spark-submit'})"):
        spark = spark_session(
            master, driver_memory=settings.spark_driver_memory, checkpoint_dir=settings.spark_checkpoint_dir
        )
    try:
        if job == "social":  # links from the presence and the memberships in --output
            from graph.spark.core import run_spark_social

            params = graph_params(settings)
            counts = run_spark_social(spark, input_dir, output_dir, params.social, params.households)
        else:
            counts = run_spark_households(
                spark, input_dir, output_dir, graph_params(settings).households, seed=seed, on_stage=say
            )
    finally:
        spark.stop()
    console.print(f"[green]{job}[/] on Spark: {json.dumps(counts)} → {output_dir}")
    console.print(f"done in {time.monotonic() - started:.1f}s")


@import_app.command("memberships")
@handle_errors
def import_memberships(
    path: Path = typer.Argument(..., help="Output directory of `jobs run households --engine spark`."),
) -> None:
    """Write Spark's households into Neo4j (stable ids and lineage against the stored households)."""
    from graph.jobs.imported import import_memberships as run_import
    from graph.spark.files import read_output

    if not path.is_dir():
        raise InputInvalid(str(path), "no such directory")
    out = read_output(path)
    with graph_client(get_settings()) as client:
        ctx = run_import(
            client,
            out,
            graph_params(get_settings()).households,
            progress=lambda m: console.print(f"  {m}"),
            source=str(path),
        )
    console.print(f"[green]households[/] run {ctx.run_id}: {json.dumps(ctx.counts, default=str)}")


@import_app.command("links")
@handle_errors
def import_links(
    path: Path = typer.Argument(..., help="Output directory of `jobs run social --engine spark`."),
) -> None:
    """Write Spark's social links into Neo4j, between the stored households of the same devices
    (import the memberships of the same run first)."""
    from graph.jobs.imported import import_links as run_import
    from graph.spark.files import read_links

    if not path.is_dir():
        raise InputInvalid(str(path), "no such directory")
    links, members = read_links(path)
    with graph_client(get_settings()) as client:
        ctx = run_import(client, links, members, progress=lambda m: console.print(f"  {m}"), source=str(path))
    console.print(f"[green]social[/] run {ctx.run_id}: {json.dumps(ctx.counts, default=str)}")
