"""Page objects for the browser tests. Elements are found by role and accessible name,
in the page's language through the same catalogs the pages use (French by default),
so the translations are tested too.

    home = await HomePage(page).open()
    await home.switch_language("English")
    await home.assert_accessible()
    await home.screenshot("visitor-home")
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import ClassVar, Self
from urllib.parse import urlencode

from playwright.async_api import Locator, Page

from service.core import i18n
from service.settings import ROOT

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
AXE_SOURCE = ROOT / "front" / "node_modules" / "axe-core" / "axe.min.js"  # npm ci (make test) puts it there
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    return AXE_SOURCE.read_text(encoding="utf-8")


def _(message: str, lang: str = "fr") -> str:
    """What the page shows for an English msgid in `lang`."""
    return i18n.gettext(message, lang=lang)


class BasePage:
    """What every page has: a language, the switch, landmarks; axe-core and screenshots."""

    path: ClassVar[str]

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self, **query: str) -> Self:
        await self.page.goto(self.path + (f"?{urlencode(query)}" if query else ""))
        return self

    async def lang(self) -> str:
        return await self.page.locator("html").get_attribute("lang") or ""

    async def language_switch(self) -> Locator:
        return self.page.get_by_role("navigation", name=_("Language", await self.lang()))

    async def switch_language(self, name: str) -> None:
        """Follow the switch's link named `name` (« English », « Español », « Français »)."""
        switch = await self.language_switch()
        async with self.page.expect_navigation():
            await switch.get_by_role("link", name=name, exact=True).click()

    async def skip_to_content(self) -> None:
        """The keyboard way past the header: the first Tab reaches the skip link."""
        await self.page.keyboard.press("Tab")
        link = self.page.get_by_role("link", name=_("Skip to content", await self.lang()))
        await link.wait_for()
        assert await link.evaluate("link => link === document.activeElement"), "the skip link is not the first stop"
        await self.page.keyboard.press("Enter")

    async def focused_landmark(self) -> str | None:
        return await self.page.evaluate("document.activeElement.closest('main, nav, header, footer')?.localName")

    async def heading(self) -> str:
        return (await self.page.get_by_role("heading", level=1).inner_text()).strip()

    async def bytes_loaded(self) -> int:
        """What the page and its resources weighed on the wire (a fresh context has no cache)."""
        return await self.page.evaluate(
            "[...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]"
            ".reduce((total, entry) => total + entry.transferSize, 0)"
        )

    async def has_horizontal_scroll(self) -> bool:
        return await self.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    async def assert_accessible(self) -> None:
        """axe-core on the page as it stands: no serious or critical violation."""
        if not await self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the pages' CSP does not apply to it.
            await self.page.evaluate(axe_source())
        results = await self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
        )
        serious = [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, json.dumps(serious, indent=2, ensure_ascii=False)

    async def screenshot(self, name: str, *, desktop: bool = False, full_page: bool = False) -> Path:
        """docs/screenshots/<name>.png: the first screen at 360×740 (or 1280×800), or the whole page."""
        size = DESKTOP if desktop else PHONE
        if self.page.viewport_size != size:
            await self.page.set_viewport_size(size)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        return path


class HomePage(BasePage):
    """`/`: what the Tarif bas carbone is, and the partner offers grouped by OT."""

    path = "/"

    async def offers(self) -> Locator:
        return self.page.get_by_role("region", name=_("Partner offers", await self.lang()), exact=True)

    async def ot_offers(self, ot_name: str) -> Locator:
        """The region of one OT's partner offers."""
        return (await self.offers()).get_by_role("region", name=ot_name, exact=True)

    def offer(self, site_name: str) -> Locator:
        return self.page.get_by_role("article", name=site_name, exact=True)

    async def offer_facts(self, site_name: str) -> dict[str, str]:
        """An offer's facts as shown: {term: description}."""
        return await self.offer(site_name).evaluate(
            "article => Object.fromEntries([...article.querySelectorAll('dl > div')].map("
            "row => [row.querySelector('dt').innerText.trim(), row.querySelector('dd').innerText.trim()]))"
        )


class OfficePage(BasePage):
    """`/ot`: the tourist offices' dashboard (and its sign-in form), and `/ot/work`."""

    path = "/ot"

    async def sign_in(self, username: str, password: str = "demo", *, refused: bool = False) -> None:
        """Through the form, as a person does: the page reloads signed in (or shows why not)."""
        lang = await self.lang()
        await self.page.get_by_label(_("Username", lang)).fill(username)
        await self.page.get_by_label(_("Password", lang)).fill(password)
        button = self.page.get_by_role("button", name=_("Sign in", lang))
        if refused:
            await button.click()
            return
        async with self.page.expect_navigation():
            await button.click()

    async def figures(self) -> dict[str, tuple[str, str]]:
        """The key figures: {name: (value as the API gives it, text shown)}."""
        return await self.page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(figure => {"
            " const value = figure.querySelector('.figure__value');"
            " return [figure.dataset.figure, [value.dataset.value, value.innerText.trim()]]; }))"
        )

    async def period(self) -> tuple[str, str]:
        lang = await self.lang()
        return (
            await self.page.get_by_label(_("From", lang), exact=True).input_value(),
            await self.page.get_by_label(_("To", lang), exact=True).input_value(),
        )

    async def show(self, *, ot_name: str | None = None, start: str | None = None, end: str | None = None) -> None:
        """Fill the period form (and the pilot's OT choice), then show."""
        lang = await self.lang()
        if start:
            await self.page.get_by_label(_("From", lang), exact=True).fill(start)
        if end:
            await self.page.get_by_label(_("To", lang), exact=True).fill(end)
        if ot_name:
            await self.page.get_by_role("combobox", name=_("Tourist office", lang), exact=True).select_option(
                label=ot_name
            )
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name=_("Show", lang), exact=True).click()

    def table(self, caption: str) -> Locator:
        return self.page.get_by_role("table", name=caption, exact=True)

    async def rows(self, table: str | Locator) -> list[list[str]]:
        """A table's body (the table or its caption) as text, row by row (the row header first)."""
        table = self.table(table) if isinstance(table, str) else table
        return await table.evaluate(
            "table => [...table.tBodies[0].rows].map(row => [...row.cells].map(cell => cell.innerText.trim()))"
        )

    async def chart_count(self) -> int:
        return await self.page.locator("figure.chart canvas").count()


class WorkPage(OfficePage):
    """`/ot/work`: proofs to review, conflicts, revocations, slots."""

    path = "/ot/work"

    def proof(self, review_id: str) -> Locator:
        return self.page.locator(f"article[data-review='{review_id}']")
