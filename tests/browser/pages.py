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

from playwright.async_api import Locator, Page, expect

from service.core import i18n
from service.settings import ROOT
from tests.helpers import qr_texts

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


class FinderPage(BasePage):
    """`/sites`: « Où utiliser mon pass », the list of partner sites, its filters and its map."""

    path = "/sites"

    def items(self) -> Locator:
        return self.page.locator("li[data-site]")

    async def listed(self) -> list[str]:
        return await self.items().evaluate_all("items => items.map(item => item.dataset.site)")

    async def markers(self) -> list[str]:
        """The site of each marker on the map, in the order they were drawn."""
        await expect(self.page.locator("#sites-map")).to_be_visible()
        return await self.page.locator("#sites-map [data-marker]").evaluate_all(
            "markers => markers.map(marker => marker.dataset.marker)"
        )

    async def filter(self, **choices: str) -> None:
        """Open the filters, choose in their selects by their French labels, and show the sites."""
        box = self.page.locator("details.finder-box")
        if await box.get_attribute("open") is None:
            await box.get_by_text(_("Filter the sites"), exact=True).click()
        for label, option in choices.items():
            await self.page.get_by_label(label, exact=True).select_option(label=option)
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name=_("Show the sites")).click()


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


class ClaimForm(HomePage):
    """The claim form of `/`, by its French accessible names (through the catalogs)."""

    async def field(self, label: str) -> Locator:
        return self.page.get_by_label(_(label, await self.lang()), exact=True)

    async def choose(self, mode: str, method: str) -> None:
        """`mode` and `method`: the English msgids of the options (« Train », « Car liO » …)."""
        lang = await self.lang()
        await (await self.field("Arrival mode")).select_option(label=_(mode, lang))
        await (await self.field("Proof")).select_option(label=_(method, lang))

    async def fill(self, **values: str) -> None:
        """Fields by label msgid: fill(**{"Arrival time": "10:42"})."""
        for label, value in values.items():
            await (await self.field(label)).fill(value)

    async def submit(self) -> None:
        async with self.page.expect_navigation():
            await self.page.get_by_role("button", name=_("Get my pass", await self.lang())).click()

    async def error_of(self, label: str) -> str:
        """The refusal tied to a field (aria-describedby), as read out with it."""
        control = await self.field(label)
        assert await control.get_attribute("aria-invalid") == "true"
        ids = (await control.get_attribute("aria-describedby") or "").split()
        texts = [await self.page.locator(f"#{id_}").inner_text() for id_ in ids if id_.endswith("-error")]
        return " ".join(texts)


class PassPage(BasePage):
    """`/pass#<token>`: the QR, the code, the validity, the uses and bookings."""

    path = "/pass"

    async def open_with(self, token: str, **query: str) -> Self:
        await self.page.goto(self.path + (f"?{urlencode(query)}" if query else "") + f"#{token}")
        return self

    async def qr(self) -> Locator:
        image = self.page.get_by_role("img", name=_("QR code of your pass", await self.lang()))
        await image.wait_for()
        await self.page.wait_for_function("document.getElementById('pass-qr').naturalWidth > 0")
        return image

    async def qr_text(self) -> str:
        """What the QR on screen says, read from a screenshot of it (zxing-cpp)."""
        found = qr_texts(await (await self.qr()).screenshot())
        assert found, "no QR code read on the screen"
        return found[0]

    async def state(self) -> str:
        return (await self.page.locator("#pass-state").inner_text()).strip()

    async def wait_offline_ready(self) -> None:
        await self.page.wait_for_selector("html[data-offline-ready]", state="attached")


class DeskPage(BasePage):
    """`/desk`: the partner's desk — sign in, name the phone, scan (camera or typed), offline too."""

    path = "/desk"

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(_(label), exact=True)

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=_(name), exact=True)

    def verdict(self) -> Locator:
        return self.page.get_by_role("status")

    async def sign_in(self, username: str, password: str = "demo") -> None:
        await self.field("Username").fill(username)
        await self.field("Password").fill(password)
        await self.button("Sign in").click()

    async def register_device(self, name: str) -> None:
        await self.field("Name of this device").fill(name)
        await self.button("Register this device").click()

    async def wait_ready(self) -> None:
        """The scanner shown, keys, revocations and queue brought up to date with the service."""
        await self.page.locator("#desk[data-refreshed-at]").wait_for(state="attached")

    async def type_code(self, code: str, persons: int | None = None) -> None:
        await self.field("Pass code").fill(code)
        if persons is not None:
            await self.field("Number of persons").fill(str(persons))
        await self.button("Validate").click()

    async def verdict_text(self, word: str) -> str:
        """The verdict's text once it says `word` (an English msgid such as « Valid »)."""
        verdict = self.verdict()
        await verdict.get_by_text(_(word), exact=False).first.wait_for()
        text = await verdict.inner_text()
        assert "null" not in text and "undefined" not in text, text
        return text

    async def verdict_kind(self) -> str:
        return await self.verdict().evaluate("node => node.className")

    async def expect_waiting(self, count: int) -> None:
        """The number of scans waiting to be sent, always on screen."""
        await expect(self.page.locator("#desk-queue")).to_have_text(_("Scans waiting to be sent: {n}").format(n=count))


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


class SitesPage(OfficePage):
    """`/ot/sites`: the partner sites of a territory, added and edited through the sites API."""

    path = "/ot/sites"

    def form(self, legend: str) -> Locator:
        return self.page.get_by_role("group", name=legend, exact=True)

    async def fill_site(self, legend: str, **values: str) -> Locator:
        """Fill a site form's text fields, by their French labels: {label: value}."""
        form = self.form(legend)
        for label, value in values.items():
            await form.get_by_label(label, exact=True).fill(value)
        return form

    async def preview_import(self, export: str) -> None:
        """Send a DATAtourisme export to « Importer depuis DATAtourisme » and wait for the preview."""
        form = self.form(_("The export file"))
        await form.get_by_label(_("DATAtourisme export (JSON-LD, .json or .jsonld)")).set_input_files(export)
        await form.get_by_role("button", name=_("See what the import would do")).click()
        await expect(
            self.page.get_by_role("table", name=_("What the import would do, record by record"))
        ).to_be_visible()

    async def confirm_import(self) -> None:
        await self.page.get_by_role("button", name=_("Confirm the import")).click()
        await expect(self.page.get_by_role("table", name=_("What the import did, record by record"))).to_be_visible()

    async def import_summary(self) -> str:
        return (await self.page.locator("#sit-report [data-summary]").text_content() or "").strip()
