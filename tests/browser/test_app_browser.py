"""The running app in headless Chromium (Debian's, nothing downloaded) on the real pipeline's graph
(a generated world, ingested, graph jobs run): a drawn household graph, the overview and social graph,
a console query."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graph.client import GraphClient
from tests.integration.dash_fixture import SECRET, graph_facts, load_real_world

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def household(neo4j_driver, services, tmp_path_factory) -> str:
    """Loads the real pipeline's graph; returns the household with the most member devices."""
    client = GraphClient(neo4j_driver, services.neo4j_database, timeout=120)
    load_real_world(client, tmp_path_factory.mktemp("dash-world"))
    return graph_facts(
        client,
        "MATCH (d:Device)-[:MEMBER_OF]->(h:Household) "
        "RETURN h.id AS id, count(d) AS n ORDER BY n DESC, id LIMIT 1",
    )[0]["id"]


@pytest.fixture(scope="module")
def app_url(household, services, tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser-deps` (installs Debian's chromium)", pytrace=False
        )
    port = _free_port()
    env = {
        **os.environ,
        "NEO4J_URI": services.neo4j_uri,
        "NEO4J_USER": services.neo4j_user,
        "NEO4J_PASSWORD": services.neo4j_password,
        "NEO4J_DATABASE": services.neo4j_database,
        "HAUSGRAPH_PSEUDONYM_SECRET": SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": services.kafka_bootstrap,
    }
    env.pop("HAUSGRAPH_DASHBOARD_PASSWORD", None)
    log = tmp_path_factory.mktemp("app") / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "dashboards" / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}", pytrace=False)
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        outside: list[str] = []
        pg.on(
            "request",
            lambda req: (
                outside.append(req.url)
                if not req.url.startswith((app_url, "data:", "about:", "blob:"))
                else None
            ),
        )
        pg.outside_requests = outside  # type: ignore[attr-defined]
        yield pg
        context.close()
        browser.close()


def _shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)
    return path


def test_household_explorer_draws_the_graph(page, app_url, household, tmp_path):
    page.goto(f"{app_url}/household")
    page.get_by_text("Household explorer").first.wait_for(timeout=30_000)
    page.get_by_role("textbox", name="Household id").fill(household)
    page.get_by_role("button", name="Find").click()
    page.get_by_text(f"Household {household}").first.wait_for(timeout=30_000)
    frame_el = page.locator("iframe").first
    frame_el.wait_for(timeout=30_000)
    frame = frame_el.content_frame
    canvas = frame.locator("canvas")
    canvas.wait_for(timeout=30_000)
    frame.locator("body[data-rendered]").wait_for(timeout=30_000)
    drawn = int(frame.locator("body").get_attribute("data-rendered"))
    assert drawn >= 5  # household, its devices (the biggest household has several), home network, content
    box = canvas.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    page.wait_for_timeout(1500)  # let the physics settle for the picture
    # some canvas pixels are not background: nodes were actually painted
    painted = canvas.evaluate("""(c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
    assert painted > 500
    _shot(page, tmp_path, "household_explorer")
    assert not page.outside_requests, page.outside_requests


def test_console_runs_a_read_query(page, app_url, tmp_path):
    page.goto(f"{app_url}/console")
    page.get_by_text("Cypher console").first.wait_for(timeout=30_000)
    box = page.get_by_role("textbox", name="Query")
    box.fill("MATCH (h:Household) RETURN h.id AS household, h.size AS size ORDER BY household LIMIT 7")
    page.get_by_role("button", name="Run").click()
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
    page.get_by_text("History (1)").wait_for(timeout=30_000)
    _shot(page, tmp_path, "cypher_console")
    box.fill("CREATE (x:Intruder)")
    page.get_by_role("button", name="Run").click()
    page.get_by_text("the console runs read-only queries").first.wait_for(timeout=30_000)
    _shot(page, tmp_path, "cypher_console_refused")
    assert not page.outside_requests, page.outside_requests


def test_overview_and_social_graph_show_the_real_graph(page, app_url, tmp_path):
    page.goto(app_url)  # the default page lives at the root
    page.get_by_text("Household sizes").first.wait_for(timeout=30_000)
    page.get_by_text("Kafka consumer lag").first.wait_for(timeout=30_000)
    page.wait_for_timeout(2500)  # charts draw after the data arrives
    _shot(page, tmp_path, "overview")
    assert page.url.rstrip("/").endswith("/overview"), page.url  # the root forwards to the page's own URL
    page.goto(f"{app_url}/overview")  # and that URL answers by itself (bookmarks, shared links)
    page.get_by_text("Household sizes").first.wait_for(timeout=30_000)
    assert page.get_by_text("Page not found").count() == 0
    page.goto(f"{app_url}/social")
    page.get_by_text("with at least one link").first.wait_for(timeout=30_000)
    frame = page.locator("iframe").first.content_frame
    frame.locator("body[data-rendered]").wait_for(timeout=30_000)
    assert int(frame.locator("body").get_attribute("data-rendered")) > 10
    page.wait_for_timeout(2500)
    _shot(page, tmp_path, "social_graph")
    assert not page.outside_requests, page.outside_requests


@pytest.mark.parametrize(
    ("path", "title"), [("campaigns", "Campaigns"), ("personas", "Personas"), ("activation", "Activation")]
)
def test_the_new_pages_render_in_a_real_browser(page, app_url, tmp_path, path, title):
    page.goto(f"{app_url}/{path}")
    page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # charts and fragments draw after the data arrives
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    _shot(page, tmp_path, path)
    assert not page.outside_requests, page.outside_requests
