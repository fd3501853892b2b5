"""What ``generate``/``evaluate``, ``export`` and ``demo`` share: the contract exports and the score table.

It sits beneath those command modules, so none of them imports another.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from rich.table import Table

from graph.client import GraphClient
from graph.export import households_csv, links_csv, personas_csv
from hausgraph.cli.common import console, get_settings
from hausgraph.runtime import graph_client

__all__ = ["EXPORTS", "SCORES_MEAN", "export_and_evaluate", "export_current", "export_files", "print_scores"]

#: contract §4 exports: kind -> (query, rows -> CSV text, noun for the summary)
EXPORTS = {
    "households": ("export/read_household_export", households_csv, "devices"),
    "links": ("export/read_link_export", links_csv, "links"),
    "personas": ("export/read_persona_export", personas_csv, "devices"),
}


def export_files(client: GraphClient, out_dir: Path) -> tuple[Path, Path]:
    """Write ``households.csv`` and ``links.csv`` of the current graph into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hh, ln = out_dir / "households.csv", out_dir / "links.csv"
    for path, (query, to_csv, _) in ((hh, EXPORTS["households"]), (ln, EXPORTS["links"])):
        path.write_text(to_csv(client.read(query)))
    return hh, ln


def export_current(out_dir: Path) -> tuple[Path, Path]:
    """Export the configured graph's households and links into ``out_dir``."""
    with graph_client(get_settings()) as client:
        return export_files(client, out_dir)


#: One line under the demo's scores: what they mean.
SCORES_MEAN = (
    "pair F1/ARI: devices of one true home put together and others kept apart (1 = perfect); "
    "link precision/recall: found links that are real friends (>= 2 visits a device revealed), "
    "and the share of those found; the default 300-household worlds of 14 days (bench/accuracy.md) "
    "score pair F1 0.991-0.993 and links P 0.99 / R 0.83-0.89 (the default 21-day demo 0.994, 0.99 / 0.90): "
    "a demo far below that has lost data or a job."
)


def print_scores(scores) -> None:
    """A table of :class:`generator.evaluate.Scores`."""
    t = Table(title="Scores against ground truth")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in scores.as_dict().items():
        t.add_row(k, "-" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v)))
    console.print(t)
    console.print(SCORES_MEAN)


def export_and_evaluate(client: GraphClient, out_dir: Path, truth: Path) -> None:
    """Export, then score against ``truth`` and print the table (the demo's last step)."""
    from generator.evaluate import evaluate_files

    hh, ln = export_files(client, out_dir / "export")
    console.print(f"exports: {hh}, {ln}")
    print_scores(evaluate_files(orjson.loads(truth.read_bytes()), hh, ln))
