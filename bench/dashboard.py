"""Render time of each dashboard page on a real 1,000-household world (generated, ingested, graph jobs run).

Usage: ``python bench/dashboard.py [--households 1000] [--days 14] [--out out/dashboard-world]``
against the configured (or managed) Neo4j. It REPLACES the database's content with the world,
unless the graph already holds exactly that world (then it is reused; ``--reload`` forces a load).
The world's files are cached in ``--out``; generating and loading 1,000 households takes minutes.

Each page is rendered twice with Streamlit's AppTest in one process: "cold" is the first render
(empty data caches), "warm" the second (cached query results).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "household", "social", "audiences", "jobs", "quality", "console"]


def _render(page: str, household: str) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=300)
    if page != "overview":
        at.run()
    start = time.perf_counter()
    if page == "overview":
        at.run()
    else:
        at.switch_page(f"screens/{page}.py").run()
    if page == "household":
        at.text_input(key="find_value").input(household)
        at.button[0].click().run()
    if page == "console":
        at.text_area(key="console_query").input(
            "MATCH (h:Household)-[s:SOCIAL_LINK]-() "
            "RETURN h.id AS id, count(s) AS links ORDER BY links DESC LIMIT 50"
        )
        at.button(key="console_run").click().run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    if at.error:
        raise RuntimeError(f"{page}: {at.error[0].value}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "dashboard-world")
    ap.add_argument("--reload", action="store_true", help="load the world even if the graph already holds it")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when redirected to a file
    logging.basicConfig(level=logging.ERROR)

    import streamlit as st

    logging.disable(logging.WARNING)  # AppTest's "no runtime / ScriptRunContext" notices, once per render

    from hausgraph.runtime import graph_client
    from hausgraph.servers import ensure_started
    from hausgraph.settings import Settings
    from tests.integration.dash_fixture import SECRET, graph_facts, load_real_world

    os.environ["HAUSGRAPH_PSEUDONYM_SECRET"] = SECRET
    st.config.set_option("server.address", "127.0.0.1")  # local use: the app needs no sign-in on loopback
    settings = Settings()
    client = graph_client(settings, ensure_started(settings))
    t = time.perf_counter()
    world = load_real_world(client, args.out, args.households, args.days, args.seed, reuse=not args.reload)
    counts = graph_facts(
        client,
        "CALL () { MATCH (h:Household) RETURN count(h) AS households } "
        "CALL () { MATCH (d:Device) RETURN count(d) AS devices } "
        "CALL () { MATCH ()-[s:SOCIAL_LINK]->() RETURN count(s) AS links } "
        "RETURN households, devices, links",
    )[0]
    how = "loaded" if world.loaded else "reused"
    print(
        f"{how} a {args.households}-household, {args.days}-day world in {time.perf_counter() - t:.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in world.timings.items())}): "
        f"{counts['households']:,} households, "
        f"{counts['devices']:,} devices, {counts['links']:,} social links"
    )
    # the household with the most members: the largest graph the explorer draws
    household = graph_facts(
        client,
        "MATCH (d:Device)-[:MEMBER_OF]->(h:Household) "
        "RETURN h.id AS id, count(d) AS n ORDER BY n DESC, id LIMIT 1",
    )[0]["id"]
    print(f"{'page':<12} {'cold s':>8} {'warm s':>8}")
    for page in PAGES:
        st.cache_data.clear()
        st.cache_resource.clear()
        cold = _render(page, household)
        warm = _render(page, household)
        print(f"{page:<12} {cold:>8.3f} {warm:>8.3f}")


if __name__ == "__main__":
    main()
