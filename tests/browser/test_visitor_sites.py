"""« Où utiliser mon pass » in Chromium: the list of partner sites with today's hours, its
filters, the map of the same list (tiles from the configured host only, served here by the
test), « nearest to me » from the phone's position, and a site's own page."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import httpx
from PIL import Image
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.browser.pages import BasePage, FinderPage, _
from tests.helpers import nonce
from tests.sit_factory import SEASONAL_HOURS, imported_site

FIGEAC = {"latitude": 44.6086, "longitude": 2.0317}


def _tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (232, 238, 232)).save(out, "PNG")
    return out.getvalue()


async def _served_tiles(page: Page) -> list[str]:
    """Answer the map's tile requests here (no network in tests); the hosts asked, in order."""
    asked: list[str] = []
    tile = _tile()

    async def answer(route: Route) -> None:
        host = urlsplit(route.request.url).netloc
        if host.startswith("127.0.0.1"):
            await route.continue_()
            return
        asked.append(host)
        await route.fulfill(status=200, content_type="image/png", body=tile)

    await page.route("**/*", answer)
    return asked


async def test_the_list_its_map_and_its_filters(page: Page, client: httpx.AsyncClient) -> None:
    asked = await _served_tiles(page)
    finder = await FinderPage(page).open()
    assert await finder.heading() == _("Where to use my pass")
    sites = (await client.get("/api/v1/sites")).json()
    listed = await finder.listed()
    assert sorted(listed) == sorted(site["id"] for site in sites)
    assert await finder.markers() == listed  # markers = list
    assert asked and set(asked) == {"data.geopf.fr"}  # the tiles' host, and no other
    assert not await finder.has_horizontal_scroll()
    await finder.assert_accessible()
    await finder.screenshot("visitor-sites")
    await finder.screenshot("visitor-sites-desktop", desktop=True)

    ots = {ot["id"]: ot["name"] for ot in (await client.get("/api/v1/ots")).json()}
    await page.set_viewport_size({"width": 360, "height": 740})
    await finder.filter(**{_("Tourist office"): ots["figeac"], _("I arrive by"): _("bike")})
    figeac = await finder.listed()
    assert figeac == sorted(
        (s["id"] for s in sites if s["ot"] == "figeac" and "bike" in s["modes"]),
        key=lambda i: next(s["name"] for s in sites if s["id"] == i),
    )
    assert await finder.markers() == figeac


async def test_nearest_to_me_sorts_in_the_phone_and_sends_nothing(
    page: Page, context: BrowserContext, client: httpx.AsyncClient
) -> None:
    await _served_tiles(page)
    await context.grant_permissions(["geolocation"])
    await context.set_geolocation(FIGEAC)
    finder = await FinderPage(page).open()
    before = page.url
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "127.0.0.1" in request.url else None)
    await page.get_by_role("button", name=_("Nearest to me first")).click()
    await expect(
        page.get_by_role("status").filter(has_text=_("Sorted by distance from where you are."))
    ).to_be_visible()
    sites = {s["id"]: s for s in (await client.get("/api/v1/sites")).json()}
    first = (await finder.listed())[0]
    assert sites[first]["ot"] == "figeac"
    await expect(finder.items().first.locator("[data-distance]")).to_contain_text("km")
    assert page.url == before and not sent  # the position never left the phone


async def test_a_site_page_reads_on_a_phone(page: Page, client: httpx.AsyncClient) -> None:
    await _served_tiles(page)
    name = f"Maison du Quercy {nonce()[:6]}"
    site_id = await imported_site(client, name, SEASONAL_HOURS)
    finder = await FinderPage(page).open()
    async with page.expect_navigation():
        await finder.items().filter(has=page.get_by_role("heading", name=name)).get_by_role("link").click()
    site = BasePage(page)
    assert await site.heading() == name and page.url.split("?")[0].endswith(f"/sites/{site_id}")
    await expect(page.get_by_role("table", name=_("Opening hours this week")).get_by_role("row")).to_have_count(8)
    await expect(page.get_by_role("link", name="accueil@example.org")).to_have_attribute(
        "href", "mailto:accueil@example.org"
    )
    await expect(page.get_by_role("heading", name=_("Nearest arrival stops"))).to_be_visible()
    await expect(page.get_by_role("link", name=_("Open in my map app"))).to_have_attribute("href", re.compile(r"^geo:"))
    assert not await site.has_horizontal_scroll()
    await site.assert_accessible()
    await site.screenshot("visitor-site", full_page=True)
