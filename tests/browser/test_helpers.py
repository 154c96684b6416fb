"""The browser-test helpers catch what they are there to catch."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.browser.pages import BasePage


async def test_axe_fails_on_a_serious_violation(page: Page) -> None:
    await page.set_content('<html lang="fr"><title>t</title><main><img src="/x.png"><a href="/"></a></main></html>')
    with pytest.raises(AssertionError, match="image-alt"):
        await BasePage(page).assert_accessible()


async def test_horizontal_scroll_is_seen_at_phone_width(page: Page) -> None:
    await page.set_content('<html lang="fr"><body><div style="width: 500px">wide</div></body></html>')
    assert await BasePage(page).has_horizontal_scroll()
    await page.set_content('<html lang="fr"><body><div style="max-width: 100%">narrow</div></body></html>')
    assert not await BasePage(page).has_horizontal_scroll()
