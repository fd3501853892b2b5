"""pyvis graph views that render with no internet: vis-network inlined from pyvis's own package.

pyvis's stock template pulls vis-network, tom-select and bootstrap from CDNs even with
``cdn_resources="in_line"``, so the page is built here from pyvis's network data and the
vis-network 9.1.2 files that pyvis ships.

Data-sourced text never becomes markup: labels are drawn on the canvas and vis-network 9
sets string tooltips with ``innerText``; the JSON handed to the page has ``<``, ``>`` and
``&`` escaped so nothing can close the ``<script>`` element.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from pyvis.network import Network

__all__ = ["COLORS", "GraphView", "build_network", "has_remote_resources", "render_html", "safe_text"]

#: One colour per node kind, shared by every page.
COLORS = {
    "household": "#4e79a7",
    "device": "#f28e2b",
    "network": "#59a14f",
    "content": "#e15759",
    "neighbour": "#76b7b2",
    "genre": "#b07aa1",
    "other": "#9c755f",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_REMOTE = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", re.I)


def safe_text(value: Any, limit: int = 40) -> str:
    """Plain one-line text of at most ``limit`` characters for a label or tooltip line.

    >>> safe_text("a" * 50, 10)
    'aaaaaaaaa…'
    >>> safe_text("x\\x00y")
    'xy'
    """
    text = _CONTROL.sub("", "" if value is None else str(value)).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class GraphView:
    """Nodes and edges of one view; ``total`` is how many nodes exist before the cap."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None

    def add_node(
        self, node_id: str, label: Any, kind: str, tooltip: list[str] | None = None, size: float = 15.0
    ) -> None:
        """Add a node once (later adds of the same id are ignored)."""
        if any(n["id"] == node_id for n in self.nodes):
            return
        self.nodes.append(
            {
                "id": node_id,
                "label": safe_text(label, 28),
                "kind": kind,
                "title": "\n".join(safe_text(t, 120) for t in (tooltip or [])),
                "size": size,
            }
        )

    def add_edge(
        self, source: str, target: str, tooltip: list[str] | None = None, width: float = 1.0
    ) -> None:
        self.edges.append(
            {
                "source": source,
                "target": target,
                "width": width,
                "title": "\n".join(safe_text(t, 120) for t in (tooltip or [])),
            }
        )


def build_network(view: GraphView, cap: int, height: str = "560px") -> tuple[Network, int]:
    """A pyvis :class:`Network` of at most ``cap`` nodes (first come first kept) and the edges among them.

    Returns the network and the number of nodes shown.
    """
    net = Network(height=height, width="100%", directed=False, cdn_resources="in_line")
    kept = view.nodes[:cap]
    ids = set()
    for n in kept:
        net.add_node(
            n["id"],
            label=n["label"],
            title=n["title"] or None,
            size=n["size"],
            color=COLORS.get(n["kind"], COLORS["other"]),
        )
        ids.add(n["id"])
    for e in view.edges:
        if e["source"] in ids and e["target"] in ids:
            net.add_edge(e["source"], e["target"], title=e["title"] or None, width=e["width"])
    net.set_options(
        json.dumps(
            {
                "physics": {"stabilization": {"iterations": 150}, "barnesHut": {"springLength": 120}},
                "interaction": {"hover": True, "tooltipDelay": 120},
                "nodes": {"font": {"size": 12}},
            }
        )
    )
    return net, len(kept)


@cache
def _asset(name: str) -> str:
    return (
        resources.files("pyvis").joinpath("templates", "lib", "vis-9.1.2", name).read_text(encoding="utf-8")
    )


def _script_json(value: Any) -> str:
    """JSON that is safe inside ``<script>``.

    >>> _script_json({"a": "</script>&"})
    '{"a": "\\\\u003c/script\\\\u003e\\\\u0026"}'
    """
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(net: Network) -> str:
    """A self-contained HTML page drawing ``net`` (no external resources)."""
    nodes, edges, _heading, height, _width, options = net.get_network_data()
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>{_asset('vis-network.css')}</style>"
        f"<script>{_asset('vis-network.min.js')}</script>"
        "<style>html,body{margin:0;padding:0;font-family:sans-serif}"
        f"#graph{{width:100%;height:{height};border:1px solid #ddd}}</style>"
        "</head><body><div id='graph'></div><script>"
        f"var nodes = new vis.DataSet({_script_json(nodes)});"
        f"var edges = new vis.DataSet({_script_json(edges)});"
        f"var options = {options};"
        "var network = new vis.Network(document.getElementById('graph'), "
        "{nodes: nodes, edges: edges}, options);"
        "network.once('stabilizationIterationsDone', "
        "function () { document.body.dataset.drawn = nodes.length; });"
        "network.on('afterDrawing', function () { document.body.dataset.rendered = nodes.length; });"
        "</script></body></html>"
    )


def has_remote_resources(html: str) -> bool:
    """Whether the page loads anything from the network (script, stylesheet, image, frame).

    >>> has_remote_resources('<script src="https://cdn.example/x.js"></script>')
    True
    >>> has_remote_resources("<script>var u = 'https://example.org';</script>")
    False
    """
    return bool(_REMOTE.search(html))
