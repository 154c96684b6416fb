"""A visitor claims a pass on a phone, keeps it offline, books with it, and gets it by e-mail."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from service.reports import co2
from service.settings import Settings
from tests.browser.pages import PHONE, ClaimForm, PassPage, _
from tests.gpx_factory import ride, shifted, to_gpx, winding_route
from tests.helpers import SmtpSink, issue_pass, qr_texts, staff_headers, trip_claim
from tests.photo_factory import ticket_photo


async def verified_claims(client: httpx.AsyncClient, settings: Settings, token: str) -> dict[str, Any]:
    """The token's claims, verified with the published JWKS as a desk's scanner would."""
    keys = jwt.PyJWKSet.from_dict((await client.get("/.well-known/jwks.json")).json())
    kid = jwt.get_unverified_header(token)["kid"]
    rules = settings.config.rules.passes
    return jwt.decode(
        token,
        keys[kid].key,
        algorithms=["EdDSA"],
        audience=rules.audience,
        issuer=rules.issuer,
        options={"require": ["exp", "iss", "aud", "jti"]},
    )


def token_in(url: str) -> str:
    return urlsplit(url).fragment


async def test_a_declared_train_trip_to_cahors_in_french_gives_a_pass_that_opens_offline(
    page: Page, context: BrowserContext, client: httpx.AsyncClient, settings: Settings
) -> None:
    form = await ClaimForm(page).open()
    assert await form.lang() == "fr"
    # the names screen readers and these tests rely on
    for label in ("Mode d'arrivée", "Justificatif", "Date d'arrivée", "Gare ou arrêt d'arrivée", "Heure d'arrivée"):
        await expect(page.get_by_label(label, exact=True)).to_be_visible()
    await form.choose("Train", "I declare my trip")
    await expect(page.get_by_label("Trace GPX", exact=True)).to_be_hidden()
    await expect(page.get_by_label("Date d'arrivée", exact=True)).not_to_have_value("")
    await page.get_by_label("Gare ou arrêt d'arrivée", exact=True).fill("Cahors")
    await page.get_by_label("Heure d'arrivée", exact=True).fill("10:42")
    await page.get_by_label("Ligne ou numéro de train", exact=True).fill("871234")
    await page.get_by_label("Référence du billet", exact=True).fill(uuid.uuid4().hex[:8].upper())
    await page.get_by_label("Nombre de personnes", exact=True).fill("2")
    await form.assert_accessible()
    await page.evaluate("document.getElementById('claim-title').scrollIntoView()")
    await form.screenshot("visitor-claim")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Obtenir mon pass").click()

    pass_page = PassPage(page)
    shown = await pass_page.qr_text()
    # the script moved the token into the fragment of /pass: a reload opens the pass
    await page.wait_for_url(re.compile(r"/pass\?lang=fr#"))
    token = token_in(page.url)
    assert shown == token
    switch = await pass_page.language_switch()
    await expect(switch.get_by_role("link", name="English")).to_have_attribute("href", re.compile(r"/pass\?lang=en"))
    claims = await verified_claims(client, settings, token)
    assert claims["p"] == 2
    await expect(page.locator("#pass-code")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$"))
    assert (await page.locator("#pass-code").inner_text()).replace("-", "") == claims["jti"]
    shown = (await client.get(f"/api/v1/passes/{claims['jti']}", headers={"Authorization": f"Bearer {token}"})).json()
    kg = co2.avoided_kg("train", 2, None, settings.config.factors)
    assert shown["co2_avoided_kg"] == round(kg, 1)
    await expect(page.get_by_text(f"≈ {round(kg):d} kg de CO2 évités par rapport à la voiture")).to_be_visible()
    await expect(page.get_by_role("link", name="Comment nous le comptons")).to_have_attribute("href", "/co2?lang=fr")
    await expect(page.get_by_role("region", name="Où l'utiliser")).to_contain_text("Musée de Cahors Henri-Martin")
    assert not await pass_page.has_horizontal_scroll()
    # the page, its assets, the pass, its QR and the partners: light enough for a slow platform
    assert 0 < await pass_page.bytes_loaded() < 200_000
    await pass_page.assert_accessible()
    await pass_page.screenshot("visitor-pass")
    # the wallets' buttons (the run's throw-away accounts), links a keyboard reaches
    apple = page.get_by_role("link", name="Ajouter à Apple Wallet")
    google = page.get_by_role("link", name="Ajouter à Google Wallet")
    await expect(apple).to_have_attribute("href", re.compile(r"/wallet/apple\?expires=\d+&sig="))
    await expect(google).to_have_attribute("href", re.compile(r"/wallet/google\?expires=\d+&sig=.+&go=1$"))
    await apple.focus()
    await expect(apple).to_be_focused()
    pkpass = await client.get(await apple.get_attribute("href"))
    assert pkpass.status_code == 200 and pkpass.headers["content-type"] == "application/vnd.apple.pkpass"
    to_google = await client.get(await google.get_attribute("href"))
    assert to_google.status_code == 303 and to_google.headers["location"].startswith(
        "https://pay.google.com/gp/v/save/"
    )
    await page.locator("#pass-wallet").scroll_into_view_if_needed()
    await pass_page.screenshot("visitor-pass-wallet")
    # the token is on the device, and the page with its assets in the worker's cache
    assert token in await page.evaluate("localStorage.getItem('tbc.passes')")
    await pass_page.wait_offline_ready()

    await context.set_offline(True)
    try:
        await page.reload()
        await expect(page.locator("#pass-state")).to_contain_text("hors ligne")
        assert await pass_page.qr_text() == token
        await expect(page.get_by_role("link", name="Ajouter à Apple Wallet")).to_be_hidden()  # an hour's link, not kept
        await pass_page.screenshot("visitor-pass-offline")
    finally:
        await context.set_offline(False)


def _ride_of_its_own(name: str) -> bytes:
    now = datetime.now(UTC)
    fixes = ride(winding_route(f"browser-{name}"), start=now, kmh=17, seed=5)
    return to_gpx(shifted(fixes, now - timedelta(minutes=20) - fixes[-1].time))


async def test_a_gpx_ride_in_english_gives_a_pass(page: Page, client: httpx.AsyncClient, settings: Settings) -> None:
    form = await ClaimForm(page).open(lang="en")
    await form.choose("Bike", "GPX track of my ride")
    await expect(await form.field("Arrival station or stop")).to_be_hidden()
    await (await form.field("GPX track")).set_input_files(
        {"name": "ride.gpx", "mimeType": "application/gpx+xml", "buffer": _ride_of_its_own(uuid.uuid4().hex)}
    )
    await form.submit()
    pass_page = PassPage(page)
    assert await pass_page.lang() == "en"
    shown = await pass_page.qr_text()
    await page.wait_for_url(re.compile(r"/pass\?lang=en#"))
    token = token_in(page.url)
    assert shown == token
    claims = await verified_claims(client, settings, token)
    assert claims["p"] == 1
    await expect(page.get_by_text(re.compile(r"kg of CO2 avoided compared with the car"))).to_be_visible()
    await pass_page.assert_accessible()


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_a_stop_outside_the_lot_is_refused_beside_its_field(page: Page, lang: str) -> None:
    form = await ClaimForm(page).open(lang=lang)
    await form.choose("Coach (liO)", "I declare my trip")
    await form.fill(
        **{
            "Arrival station or stop": "Lauzerte – Place du Foirail",
            "Arrival time": "10:42",
            "Line or train number": "874",
            "Ticket reference": uuid.uuid4().hex[:8],
        }
    )
    await form.submit()
    error = await form.error_of("Arrival station or stop")
    assert _("The arrival stop is neither in the Lot nor a gateway station.", lang) in error
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text(_("Your pass could not be issued", lang))
    assert await summary.evaluate("node => node === document.activeElement")
    # what to do next, said once: in the summary, not again under the field
    advice = _(
        "Check what you entered, or choose another proof: a photo of your ticket, checked by the tourist office.",
        lang,
    )
    await expect(summary).to_contain_text(advice)
    assert advice not in error and (await page.content()).count(advice) == 1
    # the summary's link shows the field with its label, and puts the focus in it
    await summary.get_by_role("link").first.click()
    stop = await form.field("Arrival station or stop")
    await expect(stop).to_be_focused()
    label = page.locator("label[for='stop']")
    assert (await label.bounding_box())["y"] >= 0
    # what the visitor typed is still there, and the mode's fields only
    await expect(await form.field("Arrival station or stop")).to_have_value("Lauzerte – Place du Foirail")
    await expect(await form.field("GPX track")).to_be_hidden()
    await form.assert_accessible()
    if lang == "es":
        await page.evaluate(
            "window.scrollTo(0, document.getElementById('field-mode').getBoundingClientRect().top + scrollY - 8)"
        )
        await form.screenshot("visitor-claim-refused")


async def test_a_slot_is_booked_and_cancelled_from_the_pass_page(page: Page, client: httpx.AsyncClient) -> None:
    issued = await issue_pass(client, persons=1)
    site = next(
        s for s in (await client.get("/api/v1/sites")).json() if s["bookable"] and s["min_confidence"] != "verified"
    )
    slots = (await client.get(f"/api/v1/sites/{site['id']}/slots")).json()
    slot = next(s for s in slots if s["remaining"] > 0 and datetime.fromisoformat(s["start"]) > datetime.now(UTC))
    pass_page = await PassPage(page).open_with(issued["token"])
    await pass_page.qr()
    await page.get_by_label("Site", exact=True).select_option(value=site["id"])
    day = datetime.fromisoformat(slot["start"]).astimezone(pass_page_zone()).date().isoformat()
    await page.get_by_label("Jour de la visite", exact=True).fill(day)
    await page.get_by_role("button", name="Voir les créneaux").click()
    await page.get_by_role("list", name="Créneaux").get_by_role("button").first.click()
    await expect(page.locator("#booking-state")).to_have_text("Réservé.")
    bookings = page.get_by_role("region", name="Réservations")
    await expect(bookings).to_contain_text(site["name"])
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert len((await client.get(f"/api/v1/passes/{issued['code']}", headers=headers)).json()["bookings"]) == 1
    await pass_page.assert_accessible()
    await pass_page.screenshot("visitor-pass-booking", full_page=True)

    await bookings.get_by_role("button", name=re.compile("^Annuler la réservation")).click()
    await expect(page.locator("#booking-state")).to_have_text("Réservation annulée.")
    await expect(bookings).to_contain_text("Aucune réservation.")
    assert (await client.get(f"/api/v1/passes/{issued['code']}", headers=headers)).json()["bookings"] == []

    # in English the slots read as the British write times, not « 02:00 PM »
    await PassPage(page).open_with(issued["token"], lang="en")
    await page.get_by_label("Site", exact=True).select_option(value=site["id"])
    await page.get_by_label("Day of the visit", exact=True).fill(day)
    await page.get_by_role("button", name="Show the slots").click()
    first_slot = page.get_by_role("list", name="Slots").get_by_role("listitem").first
    await expect(first_slot).to_contain_text(re.compile(r"^\d\d:\d\d–\d\d:\d\d"))
    assert not re.search(r"AM|PM", await page.get_by_role("list", name="Slots").inner_text())


def pass_page_zone():
    from service.core.clock import lot_zone

    return lot_zone()


async def test_a_manual_proof_shows_its_review_then_the_pass(page: Page, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/claims",
        data={"mode": "train", "method": "manual", "persons": "1", "evidence": "{}", "lang": "fr"},
        files={"file": ("ticket.jpg", ticket_photo(uuid.uuid4().hex), "image/jpeg")},
    )
    assert response.status_code == 202, response.text
    review_id = response.json()["review"]["id"]
    await page.goto(f"/review/{review_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(_("Your proof is being checked"))
    review_page = PassPage(page)
    await review_page.assert_accessible()
    await review_page.screenshot("visitor-review")
    # the tab closed: « Mon pass » says where the proof is, from what this phone kept
    async with page.expect_navigation():
        await page.get_by_role("banner").get_by_role("link", name=_("My pass"), exact=True).click()
    pending = page.get_by_role("region", name=_("Your proof")).get_by_role("listitem")
    await expect(pending).to_contain_text(
        _("Your proof sent on {day} is being checked by the tourist office.").split("{day}")[1]
    )
    await expect(page.get_by_role("heading", name=_("I already have a pass"))).to_be_visible()
    await review_page.assert_accessible()
    await review_page.screenshot("visitor-pass-review-pending", full_page=True)

    approved = await client.post(
        f"/api/v1/review/proofs/{review_id}/approve",
        json={
            "date": datetime.now(UTC).astimezone(pass_page_zone()).date().isoformat(),
            "arrival_stop_id": "StopArea:OCE87613000",
        },
        headers=await staff_headers(client, "demo-ot-cahors"),
    )
    assert approved.status_code == 200, approved.text
    # once approved, the pass page takes the pass itself
    await page.reload()
    await expect(page.locator("#pass-code")).to_have_text(re.compile(r"^\w{4}-\w{4}-\w{2}$"))
    await page.goto(f"/review/{review_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(_("Your proof was accepted"))
    async with page.expect_navigation():
        await page.get_by_role("link", name=_("Open my pass")).click()
    assert await PassPage(page).qr_text() == token_in(page.url)


async def test_the_pass_comes_by_email_and_its_link_opens_it(
    page: Page, client: httpx.AsyncClient, smtp_sink: SmtpSink, live_server: str
) -> None:
    address = f"visitor-{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post("/api/v1/claims", json={**trip_claim(), "email": address, "lang": "en"})
    assert response.status_code == 201, response.text
    issued = response.json()["pass"]
    message = await smtp_sink.one_to(address)
    assert message["Subject"] == "Your Tarif bas carbone pass"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert issued["code_display"] in body
    link = re.search(r"https?://\S+/pass\?lang=en#\S+", body).group(0)
    assert token_in(link) == issued["token"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "image/png"
    assert qr_texts(attachment.get_content()) == [issued["token"]]

    parts = urlsplit(link)
    await page.goto(f"{live_server}{parts.path}?{parts.query}#{parts.fragment}")
    pass_page = PassPage(page)
    assert await pass_page.qr_text() == issued["token"]
    await expect(page.locator("#pass-code")).to_have_text(issued["code_display"])


async def test_a_phone_without_the_pass_gets_it_again_by_email(
    page: Page, client: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    address = f"again-{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post("/api/v1/claims", json={**trip_claim(), "email": address, "lang": "fr"})
    assert response.status_code == 201, response.text
    await smtp_sink.one_to(address)
    pass_page = await PassPage(page).open()
    await expect(page.locator("#pass-state")).to_have_text(_("There is no pass on this phone yet."))
    help_title = page.get_by_role("heading", name=_("I already have a pass"))
    await expect(help_title).to_be_visible()
    await pass_page.assert_accessible()
    await pass_page.screenshot("visitor-pass-none", full_page=True)
    await page.get_by_label(_("The e-mail address you gave")).fill(address)
    async with page.expect_navigation():
        await page.get_by_role("button", name=_("Send my pass again")).click()
    await expect(page.get_by_role("status").first).to_contain_text(
        _(
            "If a pass was issued to this address and still holds, we have sent it there again: look in your inbox, and in the spam folder."
        )
    )
    for _attempt in range(100):
        if len(smtp_sink.to(address)) == 2:
            break
        await page.wait_for_timeout(100)
    assert smtp_sink.to(address)[1]["Subject"] == _("Your Tarif bas carbone pass, again")


async def test_the_uses_list_says_how_many_went_in(page: Page, client: httpx.AsyncClient) -> None:
    issued = await issue_pass(client, persons=3)
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")
    used = await client.post(
        "/api/v1/redemptions", json={"token": issued["token"], "nonce": uuid.uuid4().hex, "persons": 1}, headers=desk
    )
    assert used.status_code == 201, used.text
    await PassPage(page).open_with(issued["token"])
    uses = page.get_by_role("region", name=_("Uses so far")).get_by_role("listitem")
    await expect(uses).to_have_count(1)
    await expect(uses).to_contain_text("Musée de Cahors Henri-Martin")
    await expect(uses).to_contain_text(f"· {_('{count} person').format(count=1)}")


async def test_the_co2_method_page(page: Page, settings: Settings) -> None:
    await page.goto("/co2")
    await expect(page.get_by_role("heading", level=1)).to_have_text(_("How we count the CO2 avoided"))
    await expect(page.get_by_text(settings.config.factors.source, exact=False)).to_be_visible()
    await PassPage(page).assert_accessible()


async def test_without_javascript_the_form_still_gives_a_pass_on_screen(
    browser: Browser, live_server: str, client: httpx.AsyncClient, settings: Settings
) -> None:
    context = await browser.new_context(
        base_url=live_server, locale="fr-FR", timezone_id="Europe/Paris", viewport=PHONE, java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await page.goto("/")
        await page.get_by_label("Mode d'arrivée", exact=True).select_option(label="Train")
        # every field is there; the visitor fills those of their proof
        await page.get_by_label("Justificatif", exact=True).select_option(value="declared_trip")
        await page.get_by_label("Gare ou arrêt d'arrivée", exact=True).fill("Cahors")
        await page.get_by_label("Heure d'arrivée", exact=True).fill("09:05")
        await page.get_by_label("Ligne ou numéro de train", exact=True).fill("871234")
        await page.get_by_label("Référence du billet", exact=True).fill(uuid.uuid4().hex[:8])
        async with page.expect_navigation():
            await page.get_by_role("button", name="Obtenir mon pass").click()
        image = page.get_by_role("img", name="QR code de votre pass")
        found = qr_texts(await image.screenshot())
        claims = await verified_claims(client, settings, found[0])
        await expect(page.locator("#pass-code")).to_have_text(
            f"{claims['jti'][:4]}-{claims['jti'][4:8]}-{claims['jti'][8:]}"
        )
        await expect(page.get_by_text("Gardez cette page ouverte")).to_be_visible()
    finally:
        await context.close()
