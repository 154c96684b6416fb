"""The visitor's home page in Chromium, at phone size."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.browser.pages import HomePage, _


async def test_home_shows_the_offers_of_each_ot_on_a_phone(page: Page, client: httpx.AsyncClient) -> None:
    home = await HomePage(page).open()
    assert await home.lang() == "fr"
    assert await home.heading() == _("Come to the Lot without a car, pay less")
    assert not await home.has_horizontal_scroll()
    assert 0 < await home.bytes_loaded() < 200_000  # light enough for a slow 3G platform

    # the same partners as the API, each under its own OT
    ots = {ot["id"]: ot["name"] for ot in (await client.get("/api/v1/ots")).json()}
    sites = (await client.get("/api/v1/sites")).json()
    for site in sites:
        await expect((await home.ot_offers(ots[site["ot"]])).get_by_role("article", name=site["name"])).to_be_visible()
    await expect((await home.offers()).get_by_role("article")).to_have_count(len(sites))

    padirac = next(site for site in sites if site["id"] == "gouffre-padirac")
    await expect(home.offer(padirac["name"])).to_contain_text(padirac["offer"]["label"])
    facts = await home.offer_facts(padirac["name"])
    assert facts[_("Proof")] == _(
        "A checked proof: a signed rail ticket, a bike partner's code or a photo checked by the tourist office"
    )
    assert facts[_("Arriving by")] == ", ".join([_("train"), _("liO coach"), _("bike")])

    await home.assert_accessible()
    await home.screenshot("visitor-home")
    await home.screenshot("visitor-home-desktop", desktop=True)


async def test_the_keyboard_skips_the_header(page: Page) -> None:
    home = await HomePage(page).open()
    await home.skip_to_content()
    assert await home.focused_landmark() == "main"


async def test_the_language_switch_keeps_the_page_and_the_choice(page: Page) -> None:
    home = await HomePage(page).open()
    await home.switch_language("English")
    assert await home.lang() == "en"
    assert page.url.endswith("/?lang=en")
    assert await home.heading() == _("Come to the Lot without a car, pay less", "en")
    switch = await home.language_switch()
    await expect(switch.get_by_role("link", name="English")).to_have_attribute("aria-current", "true")

    await home.switch_language("Español")
    assert await home.lang() == "es"
    assert await home.heading() == _("Come to the Lot without a car, pay less", "es")
    await home.assert_accessible()
    assert not await home.has_horizontal_scroll()
