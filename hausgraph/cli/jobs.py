"""``hausgraph jobs``, ``export``, ``household-of`` and ``scheduler``: the graph jobs and their outputs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.table import Table

from graph.errors import JobLocked, LeaseLost
from graph.jobs import JOBS, run_all, run_job
from hausgraph.cli.common import console, get_settings, handle_errors, register_errors
from hausgraph.cli.scoring import EXPORTS
from hausgraph.cli.signals import leave_now, stop_on_signals
from hausgraph.runtime import graph_client, graph_params, job_lease, job_schedule, pseudonymizer
from ingest.contract import normalize_mac
from ingest.errors import InvalidRecord

__all__ = ["export_app", "household_of", "jobs_app", "scheduler"]

register_errors(JobLocked, LeaseLost, InvalidRecord)

jobs_app = typer.Typer(
    help="Graph jobs: " + "; ".join(f"{s.name}: {s.summary}" for s in JOBS.values()), no_args_is_help=True
)
export_app = typer.Typer(help="Contract section 4 and 6 exports as CSV.", no_args_is_help=True)


@jobs_app.command("run")
@handle_errors
def run(
    job: str = typer.Argument(..., help=f"{' | '.join(JOBS)} | all (a job's dependencies run first)"),
    incremental: bool = typer.Option(
        False, help="Households: re-cluster only what changed since the last run."
    ),
    seed: int = typer.Option(0, help="Seed of the community detection."),
    engine: str = typer.Option("local", help="local (read Neo4j, write Neo4j) | spark (Parquet in and out)."),
    input_dir: str | None = typer.Option(None, "--input", help="Spark: presence Parquet directory or URL."),
    output_dir: str | None = typer.Option(None, "--output", help="Spark: output directory or URL."),
    master: str | None = typer.Option(
        None, help="Spark: master URL; default local[2], or spark-submit's own when launched by it."
    ),
) -> None:
    """Run a graph job now (read → pure core → write), with a run record and a lock."""
    if engine == "spark":
        from hausgraph.cli.spark import run_spark_job

        return run_spark_job(job, input_dir, output_dir, master, seed)
    if engine != "local":
        console.print(f"[red]unknown engine {engine!r}; choose local or spark[/]")
        raise typer.Exit(2)
    if job != "all" and job not in JOBS:
        console.print(f"[red]unknown job {job!r}; choose one of: {', '.join(JOBS)}, all[/]")
        raise typer.Exit(2)
    if incremental and job != "all" and not JOBS[job].incremental:
        console.print(f"[red]job {job} has no incremental mode[/]")
        raise typer.Exit(2)
    settings = get_settings()
    lease = job_lease(settings)
    params = graph_params(settings)
    with graph_client(settings) as client:
        started = time.monotonic()
        say = lambda msg: console.print(f"  {msg}", style="yellow" if "abandoned" in msg else None)
        with console.status(f"running {job}"):
            ctxs = (
                run_all(client, params, seed=seed, progress=say, lease=lease)
                if job == "all"
                else [
                    run_job(
                        client, job, params, seed=seed, incremental=incremental, progress=say, lease=lease
                    )
                ]
            )
        for ctx in ctxs:
            console.print(f"[green]{ctx.job}[/] run {ctx.run_id}: {json.dumps(ctx.counts, default=str)}")
        console.print(f"done in {time.monotonic() - started:.1f}s")


@jobs_app.command("runs")
@handle_errors
def runs(job: str | None = typer.Option(None), limit: int = typer.Option(10)) -> None:
    """The last runs of each job: status, duration, counts; an abandoned run with why and when."""
    with graph_client(get_settings()) as client:
        rows = client.read("jobs/read_runs", job=job, limit=limit)
    table = Table("job", "started", "status", "seconds", "counts / reason")
    for r in (row["run"] for row in rows):
        status = r["status"]
        note = r.get("counts") or ""
        if status == "abandoned":
            closed = time.strftime("%H:%M:%S", time.localtime((r.get("abandoned_at") or 0) / 1000))
            note = f"{r.get('error')} (closed {closed} by {r.get('abandoned_by')})"
        elif status == "failed":
            note = r.get("error") or note
        table.add_row(
            r["job"],
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r["started"] / 1000)),
            f"[{_STATUS_STYLE.get(status, 'default')}]{status}[/]",
            "" if r.get("duration_s") is None else f"{r['duration_s']:.1f}",
            note,
        )
    console.print(table)


_STATUS_STYLE = {"succeeded": "green", "failed": "red", "abandoned": "yellow reverse", "running": "cyan"}


def _export(kind: str, out: Path) -> None:
    query, to_csv, noun = EXPORTS[kind]
    with graph_client(get_settings()) as client:
        rows = client.read(query)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_csv(rows))
    console.print(f"{len(rows):,} {noun} → {out}")


@export_app.command("households")
@handle_errors
def export_households(out: Path = typer.Option(..., help="CSV file to write.")) -> None:
    """``device_key,household_id,confidence`` for every device with a household."""
    _export("households", out)


@export_app.command("links")
@handle_errors
def export_links(out: Path = typer.Option(..., help="CSV file to write.")) -> None:
    """``household_a,household_b,weight,evidence`` for every social link."""
    _export("links", out)


@export_app.command("personas")
@handle_errors
def export_personas(out: Path = typer.Option(..., help="CSV file to write.")) -> None:
    """``device_key,persona,since,age_band,churn_risk,evidence`` (contract §6), one row per device."""
    _export("personas", out)


@handle_errors
def household_of(
    mac: str = typer.Option(..., help="The device's MAC in any common notation (turned into its key here)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The household of a device, with the evidence and confidence of its membership."""
    settings = get_settings()
    key = pseudonymizer(settings).mac(normalize_mac(mac))
    with graph_client(settings) as client:
        rows = client.read("export/read_household_of_device", device=key)
    if not rows:
        console.print(f"no device with key {key} in the graph")
        raise typer.Exit(1)
    row = rows[0]
    if as_json:
        typer.echo(json.dumps(row, indent=2, default=str))
        return
    if row["household"] is None:
        console.print(
            f"device {key} ({row['device'].get('type')}) has no household yet (too little evidence)"
        )
        return
    h = row["household"]
    console.print(
        f"device [bold]{key}[/] ({row['device'].get('type')}) → household [bold]{h['id']}[/] "
        f"(confidence {row['confidence']:.2f}, {h.get('size')} devices, lineage {h.get('lineage')})"
    )
    console.print("evidence: " + (row["evidence"] or "{}"))
    members = Table("member device", "type", "confidence")
    for m in row["members"]:
        members.add_row(m["key"], str(m.get("type")), f"{m.get('confidence') or 0:.2f}")
    console.print(members)
    console.print(
        "home networks: " + ", ".join(f"{n['key']} ({n.get('class')})" for n in row["home_networks"])
    )
    if row["social_links"]:
        console.print(
            "social links: " + ", ".join(f"{s['id']} ({s['visits']} visits)" for s in row["social_links"])
        )


@handle_errors
def scheduler() -> None:
    """Run the jobs on the schedule from settings; households also incrementally, in near real time."""
    from graph.jobs.schedule import build_scheduler

    settings = get_settings()
    client = graph_client(settings)
    schedule = job_schedule(settings)
    sched = build_scheduler(
        client,
        schedule,
        say=lambda m: console.print(m),
        background=True,
        lease=job_lease(settings),
        params=graph_params(settings),
    )
    console.print(f"scheduler running ({schedule}); Ctrl-C to stop")
    with stop_on_signals() as stopping:
        sched.start()
        try:
            stopping.wait()
        finally:
            # a running job is not waited for: its lock lease lapses and its writes are idempotent
            sched.shutdown(wait=False)
            client.close()
    console.print("scheduler stopped")
    leave_now(grace_s=2.0)
