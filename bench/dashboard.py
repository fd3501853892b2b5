"""First render of each dashboard page on a 1,000-household world, warm caches (AppTest run twice, second reported).

Usage: ``python bench/dashboard.py [--households 1000] [--keep]`` against the configured
(or managed) Neo4j. It REPLACES the database's content with the demo world.
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


def _render(page: str) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    if page != "overview":
        at.run()
    start = time.perf_counter()
    if page == "overview":
        at.run()
    else:
        at.switch_page(f"screens/{page}.py").run()
    if page == "household":
        at.text_input(key="find_value").input("hh-00003")
        at.button[0].click().run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--households", type=int, default=1000)
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    from graph.admin import migrate, reset
    from hausgraph.runtime import graph_client
    from hausgraph.settings import Settings
    from tests.integration.dash_fixture import SECRET, demo_world, load_demo_graph

    os.environ.setdefault("HAUSGRAPH_PSEUDONYM_SECRET", SECRET)
    client = graph_client(Settings())
    reset(client)
    migrate(client)
    world = demo_world(args.households)
    t = time.perf_counter()
    load_demo_graph(client, world)
    print(f"loaded {args.households} households, {len(world.rows['devices'])} devices, "
          f"{len(world.rows['links'])} social links in {time.perf_counter() - t:.1f} s")
    print(f"{'page':<12} {'cold s':>8} {'warm s':>8}")
    for page in PAGES:
        cold = _render(page)
        warm = _render(page)
        print(f"{page:<12} {cold:>8.3f} {warm:>8.3f}")


if __name__ == "__main__":
    main()
