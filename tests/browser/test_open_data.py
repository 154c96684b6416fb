"""/open-data in Chromium at phone size, reached from the footer: the files, the latest
published week with its withheld counts said in words, the columns; axe clean."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import httpx
from playwright.async_api import Page, expect

from service.core.clock import lot_zone
from service.opendata.service import first_open_monday
from tests.browser.pages import BasePage, HomePage, _
from tests.season_factory import add_passes, add_uses


async def test_a_reuser_finds_the_files_and_the_rule(page: Page, client: httpx.AsyncClient, conn, settings) -> None:
    # the last published week: 6 arrivals by train at Cahors, 3 of them used at a site, 2 bike
    # arrivals at Labastide-Murat
    tuesday = first_open_monday(settings) - timedelta(days=6)
    moment = datetime.combine(tuesday, time(10), tzinfo=lot_zone()).astimezone(UTC)
    train = await add_passes(conn, 6, mode="train", ot="cahors", at=moment, persons=(2,), tag=f"od-{tuesday}")
    await add_uses(conn, train[:3], "canoe-bouzies", moment + timedelta(hours=2))
    await add_passes(conn, 2, mode="bike", ot="labastide", at=moment, tag=f"od-bike-{tuesday}")

    home = await HomePage(page).open()
    async with page.expect_navigation():
        await page.get_by_role("contentinfo").get_by_role("link", name=_("Open data")).click()
    shown = BasePage(page)
    assert await shown.heading() == _("Open data")
    year, week, _day = tuesday.isocalendar()
    await expect(page.get_by_text(f"{year}-W{week:02d}")).to_be_visible()
    fewer = _("fewer than %(min)s") % {"min": 5}
    for office, figures in (
        ("Cahors", {_("Passes issued"): "6", _("Persons"): "12", _("Uses"): fewer}),
        ("Labastide", {_("Passes issued"): fewer, _("Persons"): _("withheld"), _("Uses"): "0"}),
    ):
        card = page.locator(".week-figures__row").filter(has=page.get_by_role("heading", name=office))
        for label, value in figures.items():
            figure = card.locator("div").filter(has=page.locator("dt", has_text=label)).locator("dd")
            await expect(figure).to_have_text(value)
    for name in ("uptake.csv", "schema.json", "datapackage.json"):
        link = page.get_by_role("link", name=name, exact=True)
        answer = await page.request.get(await link.get_attribute("href") or "")
        assert answer.ok, name
    assert not await shown.has_horizontal_scroll()
    await shown.assert_accessible()
    await shown.screenshot("open-data", full_page=True)
    await home.open(lang="en")
    await page.get_by_role("contentinfo").get_by_role("link", name="Open data").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
