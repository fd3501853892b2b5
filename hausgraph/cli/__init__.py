"""The ``hausgraph`` command: one Typer app, one sub-app or command per concern."""

from __future__ import annotations

import typer

from graph.errors import GraphError
from hausgraph.cli import (
    campaigns,
    dashboard,
    db,
    demo,
    generate,
    ingest,
    jobs,
    privacy,
    propensity,
    serve,
    servers,
    spark,
)
from hausgraph.cli.common import register_errors
from hausgraph.cli.console import console_cmd
from ingest.errors import IngestError

__all__ = ["app"]

register_errors(GraphError, IngestError)

app = typer.Typer(
    help="hausgraph: households, social links and content affinities from view logs (Kafka → Neo4j).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(servers.app, name="servers")
app.add_typer(db.app, name="db")
app.add_typer(ingest.app, name="ingest")
app.command("generate")(generate.generate)
app.command("evaluate")(generate.evaluate)
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(jobs.export_app, name="export")
jobs.export_app.command("presence")(spark.export_presence)  # Parquet for the Spark engine
app.add_typer(spark.import_app, name="import")
app.add_typer(propensity.audiences_app, name="audiences")
app.command("household-of")(jobs.household_of)
app.command("scheduler")(jobs.scheduler)
app.command("dashboard")(dashboard.dashboard)
app.command("demo")(demo.demo)
app.command("console")(console_cmd)
app.command("erase")(privacy.erase)
app.add_typer(privacy.retention_app, name="retention")
app.command("serve")(serve.serve)  # activation API (issue #14)
app.add_typer(campaigns.app, name="campaigns")
