"""Browser tests: Playwright driving Debian's chromium, headless. They skip, saying why, only
where /usr/bin/chromium is not installed (.ci/run installs it, so CI runs them).

Screenshots of every view go to $DELTAPROP_SCREENSHOTS when set, else to pytest's temporary
directory (the path is printed with -s)."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium; CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=20_000)  # a loaded CI machine answers slowly
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    folder = Path(os.environ.get("DELTAPROP_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not errors, errors


@pytest.fixture
def playground():
    from deltaprop.playground import PlaygroundServer

    server = PlaygroundServer(0)
    server.start()
    yield server
    server.shutdown()
    server.server_close()
