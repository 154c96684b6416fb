"""Browser tests: the real app served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

httpx's ASGI transport cannot serve a browser, so `live_server` runs a second
instance of the app (same settings, same test database, same signing keys as the
`client` fixture's) in a thread. One browser for the session; each test gets a
fresh context (cookies, storage) and page, French and in the Lot's time zone, at
the phone size the pages are designed for.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from service.app import create_app
from service.settings import Settings
from tests.browser.pages import PHONE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(app: Any, settings: Settings, wallets: Any) -> Iterator[str]:
    """The base URL of the app served over real HTTP (`app` has loaded the demo data)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # its public URL is where the browser finds it: cookie-borne writes must come from there
    served = msgspec.structs.replace(settings, public_url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(create_app(served, wallets), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started or not thread.is_alive():
                break
            time.sleep(0.05)
        assert server.started, "the live server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(
        base_url=live_server, locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE, device_scale_factor=1
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A page that fails its test on an uncaught script error or a Content-Security-Policy refusal."""
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield tab
    assert not errors, errors
