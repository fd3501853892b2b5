"""Pure builders of graph views from query rows (no Streamlit, no driver)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from dashboards.graphviz import GraphView

__all__ = ["console_view", "evidence_text", "household_view", "link_width", "social_view"]


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"[{len(value)}]"
    if isinstance(value, str) and len(value) == 32 and all(ch in "0123456789abcdef" for ch in value):
        return value[:8] + "…"  # a device or network key
    return str(value)


def evidence_text(evidence: Any) -> str:
    """A short ``key=value`` line from a JSON evidence string (or the raw text if it is not JSON).

    Lists are shown by their length, 32-hex keys by their first 8 characters.

    >>> evidence_text('{"nights_together": 8, "copresent_hours": 74}')
    'copresent_hours=74, nights_together=8'
    >>> evidence_text('{"home_networks": ["a", "b"], "anchor_device": "93639424aae173828040ce639427497f"}')
    'anchor_device=93639424…, home_networks=[2]'
    >>> evidence_text(None)
    ''
    """
    if evidence is None:
        return ""
    try:
        value = json.loads(evidence) if isinstance(evidence, str) else evidence
    except ValueError:
        return str(evidence)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_short(value[k])}" for k in sorted(value))
    return str(value)


def link_width(weight: Any) -> float:
    """Edge width of a social link: its weight counts visits, so widths grow slowly and stop at 10.

    >>> link_width(None), link_width(2.0), link_width(40)
    (1.0, 2.0, 6.0)
    """
    return 1.0 + min(float(weight or 0), 10.0) / 2


def household_view(row: dict[str, Any]) -> GraphView:
    """The household at the centre, its devices, home networks, top content and socially linked households.

    >>> v = household_view({"household": {"id": "h1", "size": 2}, "devices": [{"key": "d" * 32, "type": "tv",
    ...     "confidence": 0.9, "evidence": None}], "networks": [], "contents": [], "neighbours": []})
    >>> [n["kind"] for n in v.nodes], len(v.edges)
    (['household', 'device'], 1)
    """
    h = row["household"]
    view = GraphView()
    hid = f"h:{h['id']}"
    view.add_node(
        hid,
        h["id"],
        "household",
        [f"household {h['id']}", f"size {h.get('size')}", f"confidence {h.get('confidence')}"],
        size=30,
    )
    for d in row.get("devices") or []:
        did = f"d:{d['key']}"
        view.add_node(
            did,
            f"{d.get('type')} {d['key'][:6]}",
            "device",
            [
                f"device {d['key']}",
                f"type {d.get('type')}",
                f"events {d.get('events')}",
                f"membership confidence {d.get('confidence')}",
                f"evidence {evidence_text(d.get('evidence'))}",
            ],
        )
        view.add_edge(
            hid,
            did,
            [f"MEMBER_OF confidence {d.get('confidence')}"],
            width=1 + 3 * float(d.get("confidence") or 0),
        )
    for n in row.get("networks") or []:
        nid = f"n:{n['key']}"
        view.add_node(
            nid,
            f"{n.get('class') or 'unclassified'} net",
            "network",
            [
                f"network {n['key']}",
                f"class {n.get('class')}",
                f"IPv{n.get('family')}",
                f"devices seen {n.get('devices')}",
                f"class evidence {evidence_text(n.get('class_evidence'))}",
            ],
        )
        view.add_edge(hid, nid, ["HOME_NETWORK"], width=2)
    for c in row.get("contents") or []:
        cid = f"c:{c['id']}"
        view.add_node(
            cid,
            c.get("title") or c["id"],
            "content",
            [
                f"content {c['id']}",
                f"title {c.get('title')}",
                f"genres {', '.join(c.get('genres') or [])}",
                f"watched {c.get('seconds')} s, {c.get('views')} views",
            ],
            size=10,
        )
        for viewer in c.get("viewers") or []:
            view.add_edge(f"d:{viewer}", cid, ["WATCHED"])
    for o in row.get("neighbours") or []:
        oid = f"h:{o['id']}"
        view.add_node(
            oid,
            o["id"],
            "neighbour",
            [
                f"household {o['id']}",
                f"size {o.get('size')}",
                f"link weight {o.get('weight')}",
                f"visits {o.get('visits')}",
            ],
            size=20,
        )
        view.add_edge(
            hid,
            oid,
            [f"SOCIAL_LINK weight {o.get('weight')}", evidence_text(o.get("evidence"))],
            width=link_width(o.get("weight")),
        )
    return view


def social_view(row: dict[str, Any], colour_by: str = "degree", show_ids: bool = True) -> GraphView:
    """Households as nodes sized by degree, social links as edges; ``total``: how many passed the filters.

    Without ``show_ids`` (marketers) nodes carry no household id: not as label, tooltip or node id.

    >>> row = {"total": 1, "nodes": [{"id": "h1", "size": 2, "degree": 1}], "edges": []}
    >>> v = social_view(row, show_ids=False)
    >>> v.nodes[0]["label"], "h1" in v.nodes[0]["title"] + v.nodes[0]["id"]
    ('', False)
    """
    alias = {n["id"]: f"h:{n['id']}" if show_ids else f"n:{i}" for i, n in enumerate(row.get("nodes") or [])}
    view = GraphView(total=row.get("total", 0))
    for n in row.get("nodes") or []:
        kind = "household"
        if colour_by == "kids" and n.get("kids"):
            kind = "content"
        elif colour_by == "top genre":
            kind = ("household", "device", "network", "content", "neighbour", "genre")[
                zlib.crc32(str(n.get("top_genre")).encode()) % 6
            ]
        view.add_node(
            alias[n["id"]],
            n["id"] if show_ids else "",
            kind,
            ([f"household {n['id']}"] if show_ids else [])
            + [
                f"size {n.get('size')}",
                f"degree {n.get('degree')}",
                f"top genre {n.get('top_genre')}",
                f"kids' content {n.get('kids')}",
            ],
            size=8 + 4 * min(int(n.get("degree") or 0), 10),
        )
    for e in row.get("edges") or []:
        if e["source"] not in alias or e["target"] not in alias:
            continue
        view.add_edge(
            alias[e["source"]],
            alias[e["target"]],
            [f"weight {e.get('weight')}", f"visits {e.get('visits')}"],
            width=link_width(e.get("weight")),
        )
    return view


def console_view(nodes: list[dict[str, Any]], relationships: list[dict[str, Any]]) -> GraphView:
    """Nodes and relationships returned by a console query."""
    view = GraphView(total=len(nodes))
    for n in nodes:
        props = n.get("props") or {}
        name = props.get("id") or props.get("name") or props.get("title") or props.get("key") or n["id"]
        kind = (n.get("labels") or ["other"])[0].lower()
        view.add_node(
            n["id"],
            name,
            kind,
            [":".join(n.get("labels") or [])] + [f"{k} {props[k]}" for k in sorted(props)][:12],
        )
    for r in relationships:
        props = r.get("props") or {}
        view.add_edge(r["source"], r["target"], [r["type"]] + [f"{k} {props[k]}" for k in sorted(props)][:8])
    return view
