"""``hausgraph generate`` (synthetic world to files or Kafka) and ``hausgraph evaluate`` (score exports)."""

from __future__ import annotations

import json
import signal
import threading
from datetime import date
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from generator.evaluate import evaluate_files
from generator.params import DEFAULT_START, VARIANTS, variant_params

__all__ = ["evaluate", "generate"]

_console = Console()


def _secret(explicit: str | None) -> str:
    """The secret the truth's keys are derived with: the same one the ingester uses."""
    if explicit:
        return explicit
    from hausgraph.cli.common import get_settings
    from hausgraph.runtime import pseudonym_secret

    settings = get_settings()
    if settings.pseudonym_secret is None and not settings.demo_mode:
        _console.print(
            "[yellow]DEMO MODE[/]: no HAUSGRAPH_PSEUDONYM_SECRET; truth keys use the per-checkout demo secret"
        )
        settings = settings.model_copy(update={"demo_mode": True})
    return pseudonym_secret(settings)


def _bootstrap(explicit: str | None) -> str:
    if explicit:
        return explicit
    from hausgraph.cli.common import get_settings
    from hausgraph.servers import resolve_connections

    return resolve_connections(get_settings()).kafka_bootstrap


def _print_stats(stats: dict, truth_counts: dict) -> None:
    t = Table(title="World statistics")
    t.add_column("what")
    t.add_column("value")
    for key in (
        "valid_events",
        "duplicates",
        "events_per_form_per_day",
        "devices_per_home",
        "homes_per_cgnat_address",
        "devices_per_office_ip",
        "homes_per_home_ipv4",
        "events_by_kind",
        "malformed_by_kind",
    ):
        t.add_row(key, json.dumps(stats[key]))
    t.add_row("lines (valid+duplicate+malformed)", str(truth_counts["lines"]))
    _console.print(t)


def generate(
    households: int = typer.Option(200, help="Households in the world."),
    days: int = typer.Option(14, help="Simulated days."),
    seed: int = typer.Option(1, help="Seed; same seed and options give byte-identical output."),
    variant: str = typer.Option("default", help=f"World setting: {', '.join(VARIANTS)}."),
    out: Path = typer.Option(Path("out/world"), help="Output directory (events, content, truth)."),
    start: str = typer.Option(DEFAULT_START.isoformat(), help="First simulated day (UTC, YYYY-MM-DD)."),
    gzip: bool = typer.Option(False, "--gzip", help="Write events.jsonl.gz."),
    malformed_rate: float = typer.Option(0.005, help="Share of malformed lines."),
    duplicate_rate: float = typer.Option(0.01, help="Share of duplicated events."),
    secret: str | None = typer.Option(None, help="Pseudonym secret for the truth keys (default: settings)."),
    to_kafka: bool = typer.Option(False, "--to-kafka", help="Send to Kafka topics views/content instead."),
    rate: float | None = typer.Option(None, help="Live mode: events per second (with --to-kafka)."),
    speedup: float | None = typer.Option(None, help="Live mode: simulated clock runs this much faster."),
    forever: bool = typer.Option(False, "--forever", help="Live mode: keep simulating new days."),
    bootstrap: str | None = typer.Option(None, help="Kafka bootstrap servers (default: settings)."),
    views_topic: str = typer.Option("views"),
    content_topic: str = typer.Option("content"),
    producers: int = typer.Option(
        2,
        min=1,
        max=16,
        help="With --to-kafka: producer processes sending the events (kafka-python is CPU-bound).",
    ),
    compression: str = typer.Option("none", help="With --to-kafka: none, gzip (CPU) for the sent batches."),
) -> None:
    """Generate a synthetic broadcaster world with ground truth."""
    if variant not in VARIANTS:
        raise typer.BadParameter(
            f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}", param_hint="--variant"
        )
    if compression not in ("none", "gzip"):
        raise typer.BadParameter(
            f"unknown compression {compression!r}; choose none or gzip", param_hint="--compression"
        )
    try:
        params = variant_params(
            variant,
            households=households,
            days=days,
            seed=seed,
            start=date.fromisoformat(start),
            malformed_rate=malformed_rate,
            duplicate_rate=duplicate_rate,
            secret=_secret(secret),
        )
    except ValueError as e:  # a world the settings cannot make (e.g. movers in fewer than 4 days)
        raise typer.BadParameter(str(e)) from None
    if to_kafka and rate:
        from generator.live import stream_live
        from generator.sinks import KafkaSink

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        server = _bootstrap(bootstrap)
        with KafkaSink(server, views_topic) as sink:
            content = KafkaSink(server, content_topic, producer=sink._p)

            class _Split:  # catalog first to its topic, then events
                first = True

                def write(self, lines, keys=None):
                    (content if self.first else sink).write(lines, keys)
                    self.first = False

                def flush(self):
                    sink.flush()

            _console.print(f"live: {rate:g} events/s to {views_topic} (Ctrl-C stops)")
            n = stream_live(params, _Split(), rate, speedup=speedup, forever=forever, stop=stop)
        _console.print(f"sent {n} lines")
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[lines]} lines"),
        TimeElapsedColumn(),
        console=_console,
    ) as bar:
        task = bar.add_task("days", total=days, lines=0)

        def progress(done: int, lines: int) -> None:
            bar.update(task, completed=done, lines=lines)

        if to_kafka:
            from generator.run import generate_to_kafka

            truth, stats = generate_to_kafka(
                params,
                _bootstrap(bootstrap),
                views_topic,
                content_topic,
                truth_path=out / "truth.json",
                progress=progress,
                compression=None if compression == "none" else compression,
                producers=producers,
            )
        else:
            from generator.run import generate_to_dir

            truth, stats = generate_to_dir(params, out, gzip=gzip, progress=progress)
    _print_stats(stats, truth["counts"])
    (out / "stats.json").write_bytes(orjson.dumps(stats, option=orjson.OPT_INDENT_2))


def evaluate(
    truth: Path = typer.Option(..., help="truth.json of a generated world."),
    households: Path | None = typer.Option(
        None, help="Households export CSV (device_key,household_id,confidence); default: the graph's own."
    ),
    links: Path | None = typer.Option(
        None, help="Links export CSV (household_a,household_b,weight,evidence); default: the graph's own."
    ),
    min_visits: int = typer.Option(2, help="A true social link needs this many visits."),
    all_visits: bool = typer.Option(
        False, "--all-visits", help="Count every scheduled visit, also those no device event reveals."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    personas: Path | None = typer.Option(
        None, help="Persona export CSV (contract §6) to score; without --households only personas are scored."
    ),
    personas_offline: bool = typer.Option(
        False, "--personas-offline", help="Score personas computed from the world's own files (no servers)."
    ),
) -> None:
    """Score household / link exports (and persona exports) against a world's ground truth."""
    if personas is not None or personas_offline:
        from hausgraph.cli.persona_scoring import persona_scores, print_persona_scores

        ps = persona_scores(truth, orjson.loads(truth.read_bytes()), personas)
        typer.echo(json.dumps(ps)) if as_json else print_persona_scores(ps)
        if households is None:
            return
    if households is None:
        from hausgraph.cli.scoring import export_current

        households, links = export_current(truth.parent / "export")
    scores = evaluate_files(
        orjson.loads(truth.read_bytes()), households, links, min_visits=min_visits, seen_only=not all_visits
    )
    if as_json:
        typer.echo(json.dumps(scores.as_dict()))
        return
    from hausgraph.cli.scoring import print_scores

    print_scores(scores)


if __name__ == "__main__":
    app = typer.Typer()
    app.command("generate")(generate)
    app.command("evaluate")(evaluate)
    app()
