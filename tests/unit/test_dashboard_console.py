"""The console's parameters, the offline graph page and the clean-room rule: pure, no services."""

from __future__ import annotations

import doctest

import pytest

import dashboards.audience
import dashboards.auth
import dashboards.graphviz
import dashboards.kafka_lag
import dashboards.saved
import dashboards.views
from dashboards.audience import export_refusal
from dashboards.graphviz import GraphView, build_network, has_remote_resources, render_html
from dashboards.views import household_view
from graph.console import ConsoleRefusal, parse_params


@pytest.mark.parametrize(
    "module",
    [
        dashboards.audience,
        dashboards.auth,
        dashboards.graphviz,
        dashboards.kafka_lag,
        dashboards.saved,
        dashboards.views,
    ],
)
def test_doctests(module):
    assert doctest.testmod(module).failed == 0


def test_parameters_must_be_a_json_object():
    assert parse_params('{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(ConsoleRefusal):
        parse_params("[1]")
    with pytest.raises(ConsoleRefusal):
        parse_params("{nope")


def test_graph_page_is_offline_and_escapes_data():
    row = {
        "household": {"id": "h</script><script>alert(1)</script>", "size": 1},
        "devices": [{"key": "k" * 32, "type": "tv", "confidence": 0.9, "evidence": '{"x": "<b>&"}'}],
        "networks": [],
        "contents": [{"id": "c1", "title": "A" * 200, "genres": ["x"], "viewers": ["k" * 32]}],
        "neighbours": [],
    }
    view = household_view(row)
    net, shown = build_network(view, cap=10)
    html = render_html(net)
    assert shown == 3
    assert not has_remote_resources(html)
    assert "http://" not in html.split("<body>")[1] and "https://" not in html.split("<body>")[1]
    assert "<script>alert(1)" not in html and "\\u003c/script\\u003e" in html
    assert "A" * 200 not in html  # long labels are cut
    assert "vis.Network" in html and "vis-network" in html


def test_node_cap_keeps_edges_among_kept_nodes_only():
    v = GraphView()
    for i in range(10):
        v.add_node(str(i), i, "household")
    for i in range(9):
        v.add_edge(str(i), str(i + 1))
    net, shown = build_network(v, cap=4)
    assert shown == 4 and len(net.edges) == 3


def test_pyvis_stock_template_would_have_used_a_cdn():
    # why graphviz.render_html exists: pyvis's own in_line page still links CDNs
    net, _ = build_network(
        GraphView(nodes=[{"id": "a", "label": "a", "kind": "household", "title": "", "size": 5}]), 5
    )
    assert has_remote_resources(net.generate_html())


def test_clean_room_rule():
    assert export_refusal(0, 50) and export_refusal(49, 50)
    assert export_refusal(50, 50) is None


def test_kafka_lag_of_an_unreachable_broker_is_a_report_not_an_error():
    from dashboards.kafka_lag import consumer_lag

    report = consumer_lag("127.0.0.1:1", "g", ["views"], timeout_ms=500)
    assert report.rows == [] and report.error and "bootstrap" in report.error.lower()
