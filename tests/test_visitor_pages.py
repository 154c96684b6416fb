"""The visitor's pages without a browser: the claim form as a plain POST (no JavaScript),
refusals beside their field, the service worker and manifest, and the mail outbox."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import httpx
import msgspec
import pytest

from service.core.clock import lot_today
from service.mail import compose, outbox
from service.pages import claim_form
from service.settings import Settings
from tests.helpers import SmtpSink, refusal_statuses, staff_headers, trip_claim
from tests.photo_factory import ticket_photo


def _trip_form(**overrides: str) -> dict[str, str]:
    return {
        "mode": "train",
        "method": "declared_trip",
        "stop": "Cahors",
        "date": lot_today().isoformat(),
        "time": "10:42",
        "line": "871234",
        "ticket_ref": uuid.uuid4().hex[:8],
        "persons": "2",
        "email": "",
        **overrides,
    }


async def _post_form(client: httpx.AsyncClient, fields: dict[str, str], files=None, lang: str = "fr"):
    # an empty file part, as a browser sends an untouched file input
    parts = files or {"ticket_file": ("", b"", "application/octet-stream")}
    return await client.post(f"/claim?lang={lang}", data=fields, files=parts)


async def test_the_claim_form_shows_every_methods_fields_once_in_the_forms_order(client) -> None:
    home = await client.get("/?lang=fr")
    assert home.status_code == 200
    shown = tuple(re.findall(r'id="field-([a-z_]+)"', home.text))
    assert shown == claim_form.FORM_ORDER
    # each field says which methods ask for it, and its hint is in the page's language
    assert 'id="field-stop" data-methods="declared_trip manual"' in home.text
    assert "Tapez quelques lettres" in home.text


async def test_the_same_trip_sent_again_from_the_form_opens_the_same_pass(client) -> None:
    fields = _trip_form()
    first = await _post_form(client, fields, lang="en")
    again = await _post_form(client, fields, lang="en")
    assert (first.status_code, again.status_code) == (200, 200), again.text
    shown_code = re.compile(r'id="pass-code" class="code">([^<]+)<')
    assert shown_code.search(again.text)[1] == shown_code.search(first.text)[1]
    assert "This proof had already given this pass" in again.text
    assert "This proof had already given this pass" not in first.text


@pytest.mark.lot_day
async def test_the_form_without_javascript_shows_the_pass_at_once(client) -> None:
    response = await _post_form(client, _trip_form())
    assert response.status_code == 200, response.text
    html = response.text
    token = re.search(r'<div id="pass" data-token="([^"]+)"', html).group(1)
    code = msgspec.json.decode(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"]
    shown = await client.get(f"/api/v1/passes/{code}", headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 200
    assert shown.json()["persons"] == 2 and shown.json()["co2_avoided_kg"] > 0
    # without a script: the QR (an image of the token), the code, the validity, in French
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1))
    assert svg.startswith(b"<?xml") or b"<svg" in svg[:200]
    assert shown.json()["code_display"] in html and "2 personnes" in html and "Valable" in html
    assert "kg de CO2 évités par rapport à la voiture" in html
    # the pass page itself is the same for every pass: what it shows comes from the fragment
    page = await client.get("/pass?lang=fr")
    assert page.status_code == 200 and token not in page.text and code not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


@pytest.mark.lot_day
async def test_a_refusal_is_shown_beside_its_field_with_what_to_do(client) -> None:
    response = await _post_form(client, _trip_form(mode="bus", stop="Lauzerte – Place du Foirail"), lang="en")
    assert response.status_code == 422
    html = response.text
    stop_input = re.search(r'<input id="stop"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in stop_input and "stop-error" in stop_input
    error = re.search(r'<p class="field__error" id="stop-error">(.*?)</p>', html, re.S).group(1)
    assert "The arrival stop is neither in the Lot nor a gateway station." in error
    # what to do next is said once, in the summary
    assert "choose another proof" not in error and html.count("choose another proof") == 1
    assert 'role="alert"' in html and 'href="#stop"' in html
    # what was typed is kept
    assert 'value="Lauzerte – Place du Foirail"' in html
    # the language switch on the refused form leads back to the form
    again = await client.get("/claim?lang=es")
    assert again.status_code == 303 and again.headers["location"] == "/?lang=es#claim-title"


@pytest.mark.lot_day
async def test_missing_fields_are_named_one_by_one_in_french(client) -> None:
    response = await _post_form(client, _trip_form(line="", ticket_ref="", persons="0", email="nope"))
    assert response.status_code == 422
    html = response.text
    for name in ("line", "ticket_ref"):
        assert re.search(rf'id="{name}-error">.*?Remplissez ce champ', html, re.S), name
    assert re.search(r'id="persons-error">.*?Un nombre de 1 à', html, re.S)
    assert re.search(r'id="email-error">.*?Une adresse électronique', html, re.S)


async def test_a_gpx_proof_refused_points_at_the_track(client) -> None:
    fields = {"mode": "bike", "method": "gpx", "persons": "1"}
    response = await _post_form(client, fields, files={"gpx_file": ("ride.gpx", b"<gpx><trk/></gpx>", "text/xml")})
    assert response.status_code == 422
    assert 'id="gpx_file-error"' in response.text


async def test_a_photo_goes_to_its_review_page(client) -> None:
    fields = {"mode": "train", "method": "manual", "persons": "1"}
    photo = {"ticket_file": ("ticket.jpg", ticket_photo(uuid.uuid4().hex), "image/jpeg")}
    response = await _post_form(client, fields, files=photo)
    assert response.status_code == 303, response.text
    assert re.fullmatch(r"/review/[0-9a-f-]{36}\?lang=fr", response.headers["location"])
    review = await client.get(response.headers["location"])
    assert review.status_code == 200 and "Votre justificatif est en cours de vérification" in review.text


async def test_the_service_worker_and_manifest_are_served_from_the_root(client) -> None:
    worker = await client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert "caches.open" in worker.text
    manifest = (await client.get("/manifest.webmanifest?lang=es")).json()
    assert manifest["start_url"] == "/pass?lang=es" and manifest["display"] == "standalone"
    icon = await client.get(manifest["icons"][0]["src"])
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


async def test_without_smtp_a_message_is_written_as_an_eml_file(settings: Settings, tmp_path) -> None:
    local = replace_settings(settings, smtp_host=None, data_dir=tmp_path)
    facts = compose.PassFacts(
        "ABCD-EFGH-JK", 2, datetime.now(UTC), datetime.now(UTC) + timedelta(days=7), "http://x/pass#t", b"png"
    )
    message = compose.pass_issued(local.smtp_from, "a@example.org", "es", "Europe/Paris", facts, 30)
    await outbox.deliver(message, local)
    [written] = list((tmp_path / "mail").glob("*.eml"))
    read = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert read["Subject"] == "Su pase Tarif bas carbone"
    assert "ABCD-EFGH-JK" in read.get_body(preferencelist=("plain",)).get_content()


def replace_settings(settings: Settings, **changes) -> Settings:
    return msgspec.structs.replace(settings, **changes)


async def test_a_rejected_photo_is_told_by_email_in_the_visitors_language(
    client: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    address = f"photo-{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post(
        "/api/v1/claims",
        data={"mode": "train", "method": "manual", "persons": "1", "evidence": "{}", "lang": "es", "email": address},
        files={"file": ("ticket.jpg", ticket_photo(uuid.uuid4().hex), "image/jpeg")},
    )
    assert response.status_code == 202, response.text
    review_id = response.json()["review"]["id"]
    rejected = await client.post(
        f"/api/v1/review/proofs/{review_id}/reject",
        json={"reason": "billet illisible"},
        headers=await staff_headers(client, "demo-pilot"),
    )
    assert rejected.status_code == 200, rejected.text
    message = await smtp_sink.one_to(address)
    assert message["Subject"] == "Su justificante no ha sido aceptado"
    assert "billet illisible" in message.get_body(preferencelist=("plain",)).get_content()


async def test_a_claim_without_email_queues_nothing(client, conn) -> None:
    before = await conn.fetchval("SELECT count(*) FROM mail_outbox")
    assert (await client.post("/api/v1/claims", json=trip_claim())).status_code == 201
    assert await conn.fetchval("SELECT count(*) FROM mail_outbox") == before


def test_every_proof_refusal_has_its_place_in_the_form() -> None:
    """Each proof.* code is shown beside a field the chosen method shows (or above the form
    when it is about the proof as a whole: already used, declined)."""
    from service.pages.claim_form import METHOD_FIELDS, field_of

    whole = {"proof.already_used", "proof.declined"}
    for code in (code for code in refusal_statuses() if code.startswith("proof.")):
        for method, fields in METHOD_FIELDS.items():
            shown = {"mode", "method", "persons", "email", *fields}
            place = field_of(code, method, "")
            assert (place is None) == (code in whole), (code, method, place)
            assert place is None or place in shown, (code, method, place)
    # a reason naming the evidence field points at it
    assert field_of("proof.evidence_invalid", "declared_trip", "evidence.arrival_time: a time") == "time"
