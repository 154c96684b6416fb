"""« Chiffres du site » on the partner's desk in Chromium, at phone size: this season and this
week, visitors by arrival mode beside last year (a chart and its table), the CSV export, and
the last figures fetched when offline, saying when they date from."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.pages import _
from tests.browser.test_desk import PARTNER, enrolled_desk
from tests.helpers import issue_pass, nonce, staff_headers


async def _season_persons(client: httpx.AsyncClient) -> int:
    figures = await client.get("/api/v1/reports/figures", headers=await staff_headers(client, PARTNER))
    return figures.json()["figures"]["redeemed_persons"]["value"]


async def test_the_desk_shows_its_site_figures_and_keeps_them_offline(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str
) -> None:
    issued = await issue_pass(client, persons=2)
    scanned = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, PARTNER),
    )
    assert scanned.status_code == 201, scanned.text
    desk = await enrolled_desk(page, context, client, live_server, "figures")
    figures = page.get_by_role("region", name=_("The site's figures"))
    await expect(figures).to_be_visible()
    persons = await _season_persons(client)
    await expect(page.locator("#figures-season")).to_have_text(re.compile(rf"^{persons}\b"))
    table = figures.get_by_role("table", name=_("Visitors this season by arrival mode, beside the same days last year"))
    await expect(table.get_by_role("row")).to_have_count(4)
    train = table.get_by_role("row", name=re.compile(f"^{_('train')}"))
    await expect(train.get_by_role("cell").first).not_to_have_text("0")
    await expect(figures.locator("svg rect.is-current")).to_have_count(4)  # three modes and the legend
    csv = figures.get_by_role("link", name=_("Export CSV"))
    await expect(csv).to_have_attribute("href", re.compile(r"group_by=mode&format=csv&dialect=excel-fr"))
    await expect(page.locator("#figures-when")).to_contain_text(_("Figures of {when}").split("{")[0].strip())
    await desk.assert_accessible()
    await page.locator("#figures").scroll_into_view_if_needed()
    await desk.screenshot("desk-figures")

    await context.set_offline(True)
    try:
        await page.reload()
        await expect(page.locator("#figures-season")).to_have_text(re.compile(rf"^{persons}\b"))
        await expect(page.locator("#figures-when")).to_contain_text(
            _("Offline: figures of {when}").split("{")[0].strip()
        )
    finally:
        await context.set_offline(False)
