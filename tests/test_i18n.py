"""One translation source: the catalogs are complete, and every answer speaks the visitor's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service.core import i18n
from service.core.errors import problem_body
from service.core.i18n import LANGS, LOCALE_DIR, End, format_moment, term
from service.core.refusals import Plural, declare, render
from service.core.validation import explain
from service.settings import ROOT
from tests.helpers import declared_refusals, issue_pass, nonce, staff_headers, trip_claim

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Np_": (1, 2)}
TRANSLATED = [lang for lang in LANGS if lang != "en"]


def _catalog(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=lang)


def _used_in_code() -> set[str]:
    """Every message of the code and the templates, found as `make catalogs` finds them
    (templates in `_fragments/` included: Babel skips `_` folders unless told)."""
    used = set()
    found = extract_from_dir(
        str(ROOT / "service"),
        [("**.py", "python"), ("templates/**.j2", "jinja2")],
        keywords=KEYWORDS,
        options_map={"templates/**.j2": {"extensions": "jinja2.ext.i18n"}},
        directory_filter=lambda path: Path(path).name not in ("__pycache__",) and not Path(path).name.startswith("."),
    )
    for _, _, message, _, _ in found:
        used.add(message[0] if isinstance(message, tuple) else message)
    assert "Arriving by" in used  # a fragment's message: the templates were read
    return used


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_has_no_empty_or_fuzzy_entry(lang):
    catalog = _catalog(lang)
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: empty translation of {message.id!r}"
        assert not message.fuzzy, f"{lang}: fuzzy translation of {message.id!r}"
        # the same {placeholders}, or the sentence loses its facts
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"\{(\w+)\}", " ".join(source)))
        for string in strings:
            assert set(re.findall(r"\{(\w+)\}", string)) <= wanted, (lang, message.id, string)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_of_the_code_is_in_the_catalog(lang):
    used = _used_in_code()
    assert len(used) > 100
    known = {message.id[0] if isinstance(message.id, tuple) else message.id for message in _catalog(lang)}
    assert used <= known, f"run `make catalogs` and translate: {sorted(used - known)}"


def test_every_code_raised_has_its_messages_and_one_status():
    """Codes are written literally (`Problem(422, "proof.too_old", …)`), so a scan finds them all."""
    statuses: dict[str, set[int]] = {}
    for path in (ROOT / "service").rglob("*.py"):
        for status, code in re.findall(r'Problem\(\s*(\d{3}),\s*"([a-z_.]+)"', path.read_text()):
            statuses.setdefault(code, set()).add(int(status))
    assert len(statuses) > 30
    declared = declared_refusals()
    assert set(statuses) <= set(declared), sorted(set(statuses) - set(declared))
    assert {code: s for code, s in statuses.items() if len(s) > 1} == {}
    for code, refusal in declared.items():
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", code), code
        assert refusal.title and refusal.detail, code


def test_a_code_declared_twice_differently_stops_the_import():
    """Two rooms cannot give one code two meanings; declaring the same again is harmless."""
    same = declared_refusals()["proof.too_old"]
    assert declare({"proof.too_old": (same.status, same.title, same.detail)}) == {"proof.too_old"}
    with pytest.raises(RuntimeError, match="proof.too_old"):
        declare({"proof.too_old": (409, "Too old", "Another meaning.")})


def test_messages_render_with_real_plurals_and_degrade_safely():
    assert isinstance(declared_refusals()["proof.too_old"].detail, Plural)
    assert render("proof.too_old", "en", {"days": 30})[1] == "The trip is more than 30 days old."
    assert render("proof.too_old", "en", {"days": 1})[1] == "The trip is more than 1 day old."
    assert render("proof.too_old", "fr", {"days": 1})[1] == "Le voyage date de plus de 1 jour."
    assert render("proof.too_old", "es", {"days": 2}) == ("Prueba demasiado antigua", "El viaje tiene más de 2 días.")
    assert render("no.such.code", "fr", {})[0] == "Erreur"
    assert render("proof.too_old", "fr", {})[1]  # a missing parameter degrades, never fails


def test_moments_are_written_for_people_in_the_lots_time():
    moment = datetime(2026, 11, 25, 23, 28, 48, tzinfo=UTC)  # 00:28 on the 26th in Cahors
    assert format_moment(moment, "en", "Europe/Paris").startswith("on 26 Nov")
    assert format_moment(moment, "en", "Europe/Paris").endswith("at 00:28")
    assert "26 nov." in format_moment(moment, "fr", "Europe/Paris")
    midnight = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # the end of 23 November in Cahors
    # the pass page and the e-mail write an end alike: the last minute of the day
    assert "le 23 nov. à 23:59" in render("pass.expired", "fr", {"valid_until": End(midnight)}, "Europe/Paris")[1]
    assert "on 23 Nov at 23:59" in render("pass.expired", "en", {"valid_until": End(midnight)}, "Europe/Paris")[1]


# -- through HTTP --------------------------------------------------------------------------


async def test_the_claims_lang_chooses_the_answers_language(client):
    claim = trip_claim(stop="StopArea:NOWHERE") | {"lang": "en"}
    response = await client.post("/api/v1/claims", json=claim, headers={"Accept-Language": "fr"})
    assert response.status_code == 422
    assert response.headers["content-language"] == "en"
    assert response.json()["title"] == "Unknown stop"
    assert response.json()["detail"] == "This arrival stop is unknown."
    # body lang before ?lang=, ?lang= before Accept-Language
    response = await client.post("/api/v1/claims?lang=fr", json=claim | {"lang": "es"})
    assert response.headers["content-language"] == "es" and response.json()["title"] == "Parada desconocida"
    response = await client.post("/api/v1/claims?lang=es", json=trip_claim(stop="StopArea:NOWHERE"))
    assert response.headers["content-language"] == "es"


async def test_the_claims_lang_holds_even_when_the_body_is_refused(client):
    claim = trip_claim() | {"lang": "es", "persons": "two"}
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 400
    assert response.headers["content-language"] == "es"
    assert response.json()["title"] == "Solicitud no válida"


async def test_an_unsupported_language_gets_english(client):
    for query, header in (("?lang=de", None), ("", "de-DE, it;q=0.5"), ("?lang=de", "es")):
        response = await client.get(f"/no/such/page{query}", headers={"Accept-Language": header} if header else {})
        assert response.status_code == 404
        assert response.headers["content-language"] == "en", (query, header)
        assert response.json()["title"] == "Not found"
    response = await client.post("/api/v1/claims", json=trip_claim(stop="StopArea:NOWHERE") | {"lang": "de"})
    assert response.headers["content-language"] == "en"
    assert response.json()["title"] == "Unknown stop"
    # no preference at all: French
    response = await client.post("/api/v1/claims", json=trip_claim(stop="StopArea:NOWHERE"))
    assert response.headers["content-language"] == "fr"
    assert response.json()["title"] == "Arrêt inconnu"


async def test_every_answer_says_its_language(client):
    answers = [
        await client.get("/api/v1/stops"),
        await client.get("/api/v1/stops", headers={"Accept-Language": "es-ES,es;q=0.9"}),
        await client.get("/no/such/page?lang=en"),
        await client.post("/api/v1/claims", json=trip_claim()),
    ]
    for response in answers:
        assert response.headers["content-language"] in LANGS, response.request.url
        assert "accept-language" in response.headers["vary"].lower(), response.request.url
    assert [r.headers["content-language"] for r in answers] == ["fr", "es", "en", "fr"]
    assert answers[2].json()["title"] == "Not found"


async def test_a_second_use_tells_the_first_in_the_lots_time(client):
    issued = await issue_pass(client)
    headers = await staff_headers(client, "demo-partner-musee-champollion")
    first = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=headers)
    assert first.status_code == 201
    again = await client.post(
        "/api/v1/redemptions?lang=en", json={"token": issued["token"], "nonce": nonce()}, headers=headers
    )
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "redemption.already_redeemed"
    used_at = datetime.fromisoformat(body["redeemed_at"])
    assert used_at.utcoffset().total_seconds() == 0  # the JSON field stays ISO 8601 UTC
    expected = format_moment(used_at, "en", "Europe/Paris")
    assert expected in body["detail"], body["detail"]
    assert re.search(r"on \d{1,2} [A-Z][a-z]{2}( \d{4})? at \d\d:\d\d", body["detail"]), body["detail"]
    assert "T" not in body["detail"].split("here", 1)[1] and "+00:00" not in body["detail"]


@pytest.mark.parametrize("lang", LANGS)
async def test_validation_messages_say_what_is_expected_never_a_pattern(client, lang):
    claim = trip_claim() | {"lang": lang}
    claim["evidence"]["arrival_time"] = "10h42"
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 422, response.text
    body = response.json()
    assert "09:05" in body["detail"] and "HH:MM" in body["detail"], body["detail"]
    bad = {"persons": 0, "email": "nobody", "mode": "plane"}
    for field, value in bad.items():
        response = await client.post("/api/v1/claims", json=trip_claim() | {"lang": lang, field: value})
        assert response.status_code == 400, response.text
        text = response.text
        assert "regex" not in text and "^" not in text and "[" not in response.json()["detail"], text
        assert field in response.json()["detail"], text
    # bodies Litestar validates itself are told the same way
    headers = await staff_headers(client, "demo-partner-musee-champollion") | {"Accept-Language": lang}
    response = await client.post("/api/v1/redemptions", json={"nonce": 12, "persons": "x"}, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-language"] == lang
    assert "regex" not in response.text and "Expected `" not in response.text, response.text
    errors = response.json()["errors"]
    assert errors and all(set(error) == {"field", "message"} for error in errors), response.text


async def test_an_arrival_at_9_05_is_accepted(client):
    claim = trip_claim()
    claim["evidence"]["arrival_time"] = "9:05"
    response = await client.post("/api/v1/claims", json=claim)
    assert response.status_code == 201, response.text


def test_values_a_sentence_names_are_in_words_and_stay_values_in_json():
    body = problem_body(403, "site.mode_not_accepted", "fr", mode=term("bike"))
    assert body["mode"] == "bike" and "vélo" in body["detail"]
    body = problem_body(403, "site.mode_not_accepted", "es", mode=term("bus"))
    assert body["mode"] == "bus" and "autocar liO" in body["detail"]


def test_validation_explains_by_field_or_by_the_values_kind():
    field, expected = explain("Expected `str` matching regex '^([01]?[0-9]|2[0-3]):[0-5][0-9]$' - at `$.arrival_time`")
    assert field == "arrival_time" and expected.render("fr") == "une heure au format HH:MM, par exemple 09:05"
    field, expected = explain("Invalid RFC3339 encoded date", key="start")  # a day, whatever its name suggests
    assert field == "start" and "AAAA-MM-JJ" in expected.render("fr")
    field, expected = explain("Object missing required field `line` - at `$.evidence`")
    assert field == "evidence" and expected.render("es") == "falta el campo line"
    assert "regex" not in explain("Expected `str` matching regex '^x$' - at `$.zzz`")[1].render("en")


def test_figures_in_messages_are_written_for_the_language():
    params = {"km": 3.04, "max_km": 2.0, "place": "Cahors"}
    assert "3 km de Cahors" in render("proof.track_not_near_lot", "fr", params)[1]
    assert "à 2 km au plus" in render("proof.track_not_near_lot", "fr", params)[1]
    assert "5,2 km" in render("proof.track_too_short", "fr", {"km": 5.24, "min_km": 10.0})[1]
    assert "5.2 km" in render("proof.track_too_short", "en", {"km": 5.24, "min_km": 10.0})[1]
    assert "1 234,5" in i18n.format_number(1234.5, "fr").replace("\u202f", " ").replace("\u00a0", " ")
