"""The accessibility statement, the privacy notice and the legal notice in Chromium at phone
size, reached from the footer of the home page; axe clean."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.pages import BasePage, HomePage, _


async def test_the_footer_leads_to_the_three_pages(page: Page) -> None:
    home = await HomePage(page).open()
    footer = page.get_by_role("contentinfo")
    status = footer.get_by_role("link", name=_("Accessibility: partially compliant"))
    await expect(status).to_be_visible()
    for link, heading, shot in (
        (_("Accessibility: partially compliant"), _("Accessibility statement"), "legal-accessibility"),
        (_("Privacy"), _("Privacy"), "legal-privacy"),
        (_("Legal notice"), _("Legal notice"), "legal-notice"),
    ):
        await home.open()
        async with page.expect_navigation():
            await page.get_by_role("contentinfo").get_by_role("link", name=link).click()
        shown = BasePage(page)
        assert await shown.heading() == heading
        assert not await shown.has_horizontal_scroll()
        await shown.assert_accessible()
        await shown.screenshot(shot, full_page=True)
