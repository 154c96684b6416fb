"""The partner's desk (/desk) in Chromium: signed in, scanning through a (fake) camera, typed
codes, and offline with the cached keys, revocations and queue.

State is set up through the API (passes, devices, revocations); the desk's own session is the
device's token in the HttpOnly cookie, as the page itself leaves it after enrolment.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from service.core import clock
from service.passes import codes
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.pages import PHONE, DeskPage, _
from tests.helpers import issue_pass, nonce, staff_headers

SITE = "musee-henri-martin"  # Cahors OT; takes train passes of any confidence, no booking
PARTNER = f"demo-partner-{SITE}"


# ---- helpers ---------------------------------------------------------------------------


def y4m_of(png: bytes, path: Path, *, width: int = 640, height: int = 480, frames: int = 6) -> Path:
    """A Y4M video (4:2:0, the container Chromium's fake camera plays in a loop) showing the
    QR image centred on white: luminance from the image, neutral chroma."""
    qr = Image.open(io.BytesIO(png)).convert("L")
    # scaled by whole pixels per module (the quiet zone is 4 modules wide), as a camera sees
    # evenly sized modules; a fractional nearest-neighbour resize would not
    first_dark = next(i for i in range(qr.width) if qr.getpixel((i, i)) < 128)  # the finder pattern's corner
    modules = qr.width * 4 // first_dark
    side = modules * ((min(width, height) - 20) // modules)
    qr = qr.resize((side, side), Image.NEAREST)
    frame = Image.new("L", (width, height), 255)
    frame.paste(qr, ((width - side) // 2, (height - side) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


async def device_cookie(
    client: httpx.AsyncClient, context: BrowserContext, live_server: str, name: str, partner: str = PARTNER
) -> str:
    """Enrol a device of the partner through the API and give its token to the browser as the
    desk's session cookie (what the page does after « Enregistrer cet appareil »)."""
    enrolled = await client.post("/api/v1/devices", json={"name": name}, headers=await staff_headers(client, partner))
    assert enrolled.status_code == 201, enrolled.text
    token = enrolled.json()["access_token"]
    await context.add_cookies(
        [{"name": "tbc_staff", "value": token, "url": live_server, "httpOnly": True, "sameSite": "Strict"}]
    )
    return name


async def open_desk(page: Page) -> DeskPage:
    desk = await DeskPage(page).open()
    await desk.wait_ready()
    return desk


async def enrolled_desk(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str, name: str, partner: str = PARTNER
) -> DeskPage:
    """The desk of a device just enrolled under `name` (with a random tail, so names never clash)."""
    await device_cookie(client, context, live_server, f"{name} {nonce()[:6]}", partner=partner)
    return await open_desk(page)


async def uses_of(client: httpx.AsyncClient, issued: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await client.get(
        f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["redemptions"]


async def site_uses_reported(client: httpx.AsyncClient) -> int:
    report = await client.get(
        "/api/v1/reports/uptake", params={"group_by": "site"}, headers=await staff_headers(client, "demo-ot-cahors")
    )
    assert report.status_code == 200, report.text
    return next(row["redemptions"] for row in report.json()["rows"] if row["site"] == SITE)


def watch_scans(page: Page) -> list[str]:
    """The scan requests the page sends (to prove a typo never leaves the phone)."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/api/v1/redemptions" in request.url else None)
    return sent


def forged(token: str) -> str:
    """One character of the payload changed: still a well-formed token, no longer signed."""
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "B" if payload[middle] != "B" else "C"
    return ".".join((header, payload[:middle] + swapped + payload[middle + 1 :], signature))


@pytest.fixture
async def camera_browser(chromium_path: str, tmp_path: Path) -> AsyncIterator[Callable[[bytes], Awaitable[Browser]]]:
    """A Chromium of its own whose camera films the given QR image: the fake-capture flags are
    per process, so each camera gets its own launch."""
    async with async_playwright() as playwright:
        launched: list[Browser] = []

        async def launch(qr_png: bytes) -> Browser:
            video = y4m_of(qr_png, tmp_path / f"qr-{len(launched)}.y4m")
            browser = await playwright.chromium.launch(
                executable_path=chromium_path,
                headless=True,
                args=[
                    *CHROMIUM_ARGS,
                    "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream",
                    f"--use-file-for-fake-video-capture={video}",
                ],
            )
            launched.append(browser)
            return browser

        yield launch
        for browser in launched:
            await browser.close()


async def new_desk_context(browser: Browser, live_server: str) -> BrowserContext:
    context = await browser.new_context(
        base_url=live_server, locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE, device_scale_factor=1
    )
    context.set_default_timeout(15_000)
    await context.grant_permissions(["camera"], origin=live_server)
    return context


async def qr_png(client: httpx.AsyncClient, issued: dict[str, Any]) -> bytes:
    image = await client.get(issued["qr_png_url"])
    assert image.status_code == 200
    return image.content


# ---- the tests -------------------------------------------------------------------------


async def test_sign_in_and_name_the_phone(page: Page, client: httpx.AsyncClient) -> None:
    desk = await DeskPage(page).open()
    await desk.field("Username").wait_for()
    await desk.assert_accessible()
    await desk.screenshot("desk-sign-in")

    await desk.sign_in(PARTNER, "wrong password")
    await page.get_by_role("alert").filter(has_text="mot de passe").wait_for()

    await desk.sign_in(PARTNER)
    name = f"Comptoir {nonce()[:6]}"
    await desk.register_device(name)
    await desk.wait_ready()
    # the session now speaks for the device: its scans bear its name
    session = await page.evaluate("fetch('/api/v1/auth/session').then(r => r.json())")
    assert session["device"] == name and session["site"] == SITE
    await desk.expect_waiting(0)
    devices = await client.get("/api/v1/devices", headers=await staff_headers(client, PARTNER))
    assert name in [device["name"] for device in devices.json()]


async def test_the_camera_reads_the_pass_then_sees_it_used(
    camera_browser: Callable[[bytes], Awaitable[Browser]], client: httpx.AsyncClient, live_server: str
) -> None:
    issued = await issue_pass(client, persons=3)
    browser = await camera_browser(await qr_png(client, issued))
    context = await new_desk_context(browser, live_server)
    device = await device_cookie(client, context, live_server, f"Caisse {nonce()[:6]}")
    page = await context.new_page()
    desk = await open_desk(page)

    await desk.button("Scan with the camera").click()
    verdict = await desk.verdict_text("Valid")
    assert "verdict--ok" in await desk.verdict_kind()
    assert _("Persons: {n}").format(n=3) in verdict
    # a declared trip is only plausible: the desk is told what was declared, and to see the ticket
    assert _("Ask to see the ticket") in verdict and "871234" in verdict and "Cahors" in verdict
    assert issued["code"] not in verdict  # nothing but the declared facts
    await desk.assert_accessible()
    await desk.screenshot("desk-valid")

    await desk.button("Scan the next pass").click()
    verdict = await desk.verdict_text("Already used here")
    assert "verdict--used" in await desk.verdict_kind()
    assert device in verdict
    await desk.screenshot("desk-already-used")

    uses = await uses_of(client, issued)
    assert [(use["site_id"], use["persons"]) for use in uses] == [(SITE, 3)]
    await context.close()


async def test_a_forged_token_is_refused(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str
) -> None:
    issued = await issue_pass(client)
    desk = await enrolled_desk(page, context, client, live_server, "Guichet")
    # a hand-held scanner types the QR's token into the code field
    await desk.type_code(forged(issued["token"]))
    verdict = await desk.verdict_text("Refused")
    assert "verdict--refused" in await desk.verdict_kind()
    assert "authentique" in verdict
    await desk.assert_accessible()
    await desk.screenshot("desk-refused")
    assert await uses_of(client, issued) == []


async def test_a_typo_in_the_code_is_caught_before_sending(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str
) -> None:
    issued = await issue_pass(client, persons=2)
    desk = await enrolled_desk(page, context, client, live_server, "Accueil")
    sent = watch_scans(page)

    code = issued["code"]
    wrong = codes.ALPHABET[(codes.ALPHABET.index(code[3]) + 1) % len(codes.ALPHABET)]
    await desk.type_code(f"{code[:3]}{wrong}{code[4:]}".lower())
    await page.get_by_role("alert").filter(has_text="faute de frappe").wait_for()
    assert await desk.field("Pass code").get_attribute("aria-invalid") == "true"
    await desk.type_code(code[:6])
    await page.get_by_role("alert").filter(has_text="celui-ci en a 6").wait_for()
    assert sent == []

    # the same code typed loosely (spaces, dashes, lower case) goes through, for fewer persons
    loose = f" {code[:4].lower()} - {code[4:8]} {code[8:].lower()} "
    await desk.type_code(loose, persons=1)
    verdict = await desk.verdict_text("Valid")
    assert _("Persons: {n}").format(n=1) in verdict
    assert len(sent) == 1


async def test_offline_the_desk_checks_queues_and_syncs(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str
) -> None:
    valid, revoked = await issue_pass(client, persons=2), await issue_pass(client)
    ot = await staff_headers(client, "demo-ot-cahors")
    answer = await client.post(f"/api/v1/passes/{revoked['code']}/revoke", json={"reason": "test"}, headers=ot)
    assert answer.status_code == 200, answer.text
    reported_before = await site_uses_reported(client)
    desk = await enrolled_desk(page, context, client, live_server, "Rive")  # online: keys and revocations cached

    await context.set_offline(True)
    await page.reload()  # the service worker opens the desk without network
    await desk.field("Pass code").wait_for()
    await page.get_by_text(_("Offline"), exact=True).wait_for()

    await desk.type_code(revoked["token"])
    verdict = await desk.verdict_text("Refused")
    assert _("This pass has been revoked.") in verdict and _("offline") in verdict

    await desk.type_code(valid["token"])
    verdict = await desk.verdict_text("Valid")
    assert _("offline") in verdict and _("Persons: {n}").format(n=2) in verdict
    await desk.expect_waiting(1)
    await desk.assert_accessible()
    await desk.screenshot("desk-offline")

    await desk.type_code(valid["token"])
    assert _("offline") in await desk.verdict_text("Already used here")
    await desk.type_code(valid["code"])
    assert _("Without network a typed code cannot be checked: scan the QR code.") in await desk.verdict_text("Refused")
    await desk.expect_waiting(1)
    assert await uses_of(client, valid) == []

    await context.set_offline(False)
    await page.get_by_text(_("sent, accepted")).wait_for()
    await desk.expect_waiting(0)
    assert [use["site_id"] for use in await uses_of(client, valid)] == [SITE]
    assert await site_uses_reported(client) == reported_before + 1


async def test_a_family_goes_in_in_two_halves(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str
) -> None:
    issued = await issue_pass(client, persons=4)
    desk = await enrolled_desk(page, context, client, live_server, "Billetterie")

    await desk.type_code(issued["token"], persons=2)
    assert _("Persons: {n}").format(n=2) in await desk.verdict_text("Valid")
    # the other two come later: the next scan lets them in, saying who is already in
    await desk.type_code(issued["token"])
    await expect(desk.verdict()).to_contain_text(_("{n} of {of} already in").format(n=2, of=4))
    assert _("Persons: {n}").format(n=2) in await desk.verdict_text("Valid")
    await desk.assert_accessible()
    await desk.screenshot("desk-second-half")

    await desk.type_code(issued["token"], persons=1)
    verdict = await desk.verdict_text("Already used here")
    assert _("All {of} persons of this pass are already in.").format(of=4) in verdict
    await desk.screenshot("desk-all-in")
    assert [(use["site_id"], use["persons"]) for use in await uses_of(client, issued)] == [(SITE, 4)]

    # offline, the phone keeps count the same way, and the sync admits what it let in
    other = await issue_pass(client, persons=3)
    await context.set_offline(True)
    await page.reload()
    await page.get_by_text(_("Offline"), exact=True).wait_for()
    await desk.type_code(other["token"], persons=1)
    assert _("offline") in await desk.verdict_text("Valid")
    await desk.type_code(other["token"], persons=3)
    verdict = await desk.verdict_text("Already used here")
    assert _("{n} of {of} already in: {left} more at most.").format(n=1, of=3, left=2) in verdict
    await desk.type_code(other["token"])
    await expect(desk.verdict()).to_contain_text(_("{n} of {of} already in").format(n=1, of=3))
    assert _("Persons: {n}").format(n=2) in await desk.verdict_text("Valid")
    await desk.expect_waiting(2)
    await context.set_offline(False)
    await desk.expect_waiting(0)
    assert [(use["site_id"], use["persons"]) for use in await uses_of(client, other)] == [(SITE, 3)]


async def test_two_phones_offline_give_one_use_and_one_conflict(
    browser: Browser, client: httpx.AsyncClient, live_server: str
) -> None:
    issued = await issue_pass(client)
    phones = []
    for name in (f"Entrée {nonce()[:6]}", f"Sortie {nonce()[:6]}"):
        context = await new_desk_context(browser, live_server)
        await device_cookie(client, context, live_server, name)
        phones.append((context, await open_desk(await context.new_page()), name))

    for context, desk, _name in phones:
        await context.set_offline(True)
        await desk.type_code(issued["token"])
        assert _("offline") in await desk.verdict_text("Valid")

    (first_context, first, first_name), (second_context, second, _second_name) = phones
    await first_context.set_offline(False)
    await first.page.get_by_text(_("sent, accepted")).wait_for()
    await second_context.set_offline(False)
    conflict = second.page.locator("#queue-results").get_by_text(first_name)
    await conflict.wait_for()
    # the offline « valid » on top gives way to what the sync found
    verdict = await second.verdict_text("Already used here")
    assert _("offline") not in verdict
    assert _("Checked by the service now that the network is back: this offline scan does not count.") in verdict
    assert first_name in verdict
    # kept on screen until the tourist office has dealt with it
    await second.page.locator("#conflicts").get_by_text(codes.display(issued["code"])).wait_for()
    await second.screenshot("desk-conflict", full_page=True)

    assert len(await uses_of(client, issued)) == 1
    conflicts = await client.get("/api/v1/redemptions/conflicts", headers=await staff_headers(client, "demo-ot-cahors"))
    assert [c["first_device"] for c in conflicts.json() if c["code"] == issued["code"]] == [first_name]
    for context, _desk, _name in phones:
        await context.close()


async def test_a_bookable_bike_partner_sees_the_days_bookings_and_issues_attestations(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, live_server: str
) -> None:
    site = "grotte-pech-merle"
    start = clock.now().replace(microsecond=0) + timedelta(minutes=2, seconds=int(nonce()[:4], 16) % 50)
    slot = await client.post(
        f"/api/v1/sites/{site}/slots",
        json={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "capacity": 6},
        headers=await staff_headers(client, "demo-ot-cahors"),
    )
    assert slot.status_code == 201, slot.text
    issued = await issue_pass(client, persons=2)
    booked = await client.post(
        "/api/v1/bookings", json={"token": issued["token"], "slot_id": slot.json()["id"], "persons": 2}
    )
    assert booked.status_code == 201, booked.text
    desk = await enrolled_desk(page, context, client, live_server, "Billetterie", partner=f"demo-partner-{site}")

    bookings = page.get_by_role("region", name=_("Today's bookings"))
    entry = bookings.get_by_role("listitem").filter(has_text=codes.display(issued["code"]))
    await expect(entry).to_contain_text(_("not scanned yet"))
    await desk.type_code(issued["token"])
    assert start.astimezone(clock.lot_zone()).strftime("%H:%M") in await desk.verdict_text("Valid")
    await expect(entry).to_contain_text(_("scanned at {time}").split("{")[0])

    await page.get_by_label(_("Number of cyclists"), exact=True).fill("2")
    await desk.button("Issue an attestation").click()
    code = page.locator(".attestation-code")
    await code.wait_for()
    await expect(page.get_by_text(_("Valid until {when}").split("{")[0])).to_be_visible()
    await desk.assert_accessible()
    await code.scroll_into_view_if_needed()
    await desk.screenshot("desk-attestation")
    # the cyclist claims a pass with it
    claim = await client.post(
        "/api/v1/claims",
        json={"mode": "bike", "method": "attestation", "persons": 2, "evidence": {"code": await code.inner_text()}},
    )
    assert claim.status_code == 201, claim.text
