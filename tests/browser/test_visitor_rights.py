"""The pass holder's rights on the pass page in Chromium: « Télécharger mes données » gives
the copy as a file, « Supprimer mes données » (once the box is ticked) erases and revokes."""

from __future__ import annotations

import asyncio
import json

import httpx
from playwright.async_api import Page, expect

from tests.browser.pages import PassPage, _
from tests.helpers import issue_pass


async def test_the_holder_downloads_then_erases_their_data(page: Page, client: httpx.AsyncClient) -> None:
    issued = await issue_pass(client)
    pass_page = await PassPage(page).open_with(issued["token"])
    await expect(page.locator("#pass-code")).to_have_text(issued["code_display"])
    async with page.expect_download() as downloading:
        await page.get_by_role("button", name=_("Download my data")).click()
    download = await downloading.value
    assert download.suggested_filename == f"tarif-bas-carbone-{issued['code']}.json"
    held = json.loads(await asyncio.to_thread((await download.path()).read_text))
    assert held["pass"]["code"] == issued["code"]

    erase = page.get_by_role("group", name=_("Delete my data"))
    await erase.get_by_role("checkbox", name=_("I understand that my pass will no longer work")).check()
    await pass_page.assert_accessible()
    await page.locator("#pass-erase").scroll_into_view_if_needed()
    await pass_page.screenshot("visitor-pass-erase")
    await erase.get_by_role("button", name=_("Delete my data")).click()
    await expect(page.locator("#pass-data-state")).to_have_text(
        _("Your data is deleted and your pass no longer works.")
    )
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"})
    assert shown.json()["status"] == "revoked"
    assert issued["code"] not in (await page.evaluate("localStorage.getItem('tbc.passes')") or "")
