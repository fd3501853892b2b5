"""``hausgraph console``: the analysts' read-only Cypher console for scripts, behind the app's guard."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape

from graph.console import ConsoleError, ConsoleRefusal, ConsoleResult, parse_params, run_console_query
from hausgraph.cli.common import console, get_settings, handle_errors
from hausgraph.runtime import graph_client

__all__ = ["console_cmd", "render_rows"]


class Format(StrEnum):
    json = "json"
    csv = "csv"


def _cell(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else json.dumps(value)


def render_rows(result: ConsoleResult, fmt: str) -> str:
    """The rows as a JSON array of objects, or CSV with a header (nested values as JSON).

    >>> r = ConsoleResult(columns=["a", "b"], rows=[{"a": 1, "b": [1, 2]}], truncated=False)
    >>> render_rows(r, "json")
    '[{"a": 1, "b": [1, 2]}]\\n'
    >>> render_rows(r, "csv").splitlines()
    ['a,b', '1,"[1, 2]"']
    """
    if fmt == "json":
        return json.dumps(result.rows, ensure_ascii=False, default=str) + "\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_cell(row.get(c)) for c in result.columns])
    return out.getvalue()


@handle_errors
def console_cmd(
    query: Annotated[str, typer.Option("--query", "-q", help="The Cypher text ('-': read it from stdin).")],
    params: Annotated[str, typer.Option("--params", help="Parameters as a JSON object.")] = "",
    fmt: Annotated[Format, typer.Option("--format", help="Rows on stdout as json or csv.")] = Format.json,
) -> None:
    """Run one read-only query through the console guard: rows on stdout (exit 0), refusal on stderr (exit 2).

    The same allowlist as the app's console: read clauses, schema procedures and built-in
    functions only, a server-enforced timeout, row and byte caps. A query the server fails or
    stops (syntax, timeout, memory limit) exits 1 with the server's message.
    """
    settings = get_settings()
    text = sys.stdin.read() if query == "-" else query
    try:
        values = parse_params(params)
    except ConsoleRefusal as err:
        console.print(f"[bold red]refused:[/] {escape(err.message)}")
        raise typer.Exit(2) from None
    with graph_client(settings) as client:
        try:
            result = run_console_query(
                client.driver,
                client.database,
                text,
                values,
                settings.console_row_cap,
                settings.console_timeout_s,
                settings.console_result_bytes_cap,
            )
        except ConsoleRefusal as err:
            console.print(f"[bold red]refused:[/] {escape(err.message)}")
            raise typer.Exit(2) from None
        except ConsoleError as err:
            console.print(f"[bold red]failed:[/] {escape(err.message)} [dim]({err.code})[/]")
            raise typer.Exit(1) from None
    sys.stdout.write(render_rows(result, fmt.value))
    if result.truncated:
        console.print(f"[yellow]stopped after {len(result.rows):,} rows ({result.stopped_by})[/]")
