"""A live API server on a seeded database, and headless Chromium (Debian's) driven by Playwright."""

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.seed import World, seed
from tests.support.postgres import create_database, drop_database
from tests.support.waiting import wait_for
from txng.demo.web import listening_socket

CHROMIUM = os.environ.get("TXNG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextlib.contextmanager
def serve(url: str) -> Iterator[str]:
    """The base URL of an API on database `url`, served by uvicorn in a thread."""
    sock = listening_socket(0)  # held from now on: no other process can take the port
    port = int(sock.getsockname()[1])
    app = create_app(load_api_settings(database_url=url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=15, failure=lambda: "uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live(migrated_template: str) -> Iterator[tuple[str, World]]:
    """(base URL, seeded world) of an API served by uvicorn in a thread."""
    url = create_database(template=migrated_template)
    world = seed(url)
    with serve(url) as base:
        yield base, world
    drop_database(url)


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/test.sh installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def shot():
    """Save a page's screenshot into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
