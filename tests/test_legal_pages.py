"""A public service's pages: the accessibility statement, the privacy notice (its retention
periods read from config/rules.toml, the ones `tbc purge` enforces) and the legal notice, from
config/legal.toml; the accessibility status in the footer of every page."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from tests.helpers import staff_headers


def _text(page) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page.text).split()))


@pytest.mark.parametrize("path", ["/", "/sites", "/pass", "/desk", "/ot", "/accessibilite", "/mentions-legales"])
async def test_every_page_says_its_accessibility_status_in_its_footer(client, path):
    page = await client.get(path, params={"lang": "fr"})
    assert page.status_code == 200
    footer = page.text[page.text.index('<footer class="site-footer">') :]
    assert '<a href="/accessibilite?lang=fr">Accessibilité : partiellement conforme</a>' in footer
    assert 'href="/confidentialite?lang=fr"' in footer and 'href="/mentions-legales?lang=fr"' in footer
    assert 'href="/open-data?lang=fr"' in footer


async def test_the_accessibility_statement_in_its_legal_form(client, settings):
    text = _text(await client.get("/accessibilite", params={"lang": "fr"}))
    legal = settings.config.legal
    assert "article 47 de la loi n° 2005-102 du 11 février 2005" in text
    assert (
        f"partiellement conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA), version {legal.accessibility.rgaa_version}"
        in text
    )
    assert "axe-core" in text and "Défenseur des droits" in text and legal.accessibility.contact_email in text
    assert legal.publisher.name in text
    english = _text(await client.get("/accessibilite", params={"lang": "en"}))
    assert "partially compliant with the RGAA" in english


async def test_the_privacy_notice_reads_its_periods_from_the_rules(client, settings):
    retention = settings.config.rules.privacy
    text = _text(await client.get("/confidentialite", params={"lang": "fr"}))
    for days, words in (
        (retention.email_retention_days, "effacée {n} jours après la fin de votre pass"),
        (retention.photo_retention_days, "au plus tard après {n} jours"),
        (retention.scan_retention_days, "conservé {n} jours, pour les accueils"),
        (retention.reuse_window_days, "sont conservées {n} jours pour les refuser"),
        (retention.audit_retention_days, "conservé {n} jours."),
    ):
        assert words.format(n=days) in text, words
    assert settings.config.legal.privacy.contact_email in text and "Aucun traceur" in text
    assert "« Télécharger mes données »" in text and "CNIL" in text
    spanish = _text(await client.get("/confidentialite", params={"lang": "es"}))
    assert f"se guarda {retention.scan_retention_days} días" in spanish


async def test_the_legal_notice_names_publisher_director_and_host(client, settings):
    legal = settings.config.legal
    text = _text(await client.get("/mentions-legales", params={"lang": "fr"}))
    assert legal.publisher.name in text and legal.host.name in text
    assert f"Directeur ou directrice de la publication : {legal.publisher.director}" in text


class _Controls(HTMLParser):
    """The form controls of a page: each with its attributes, whether a label names it, and
    the legend of the fieldset it sits in (RGAA theme 11)."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict] = []
        self.labelled: set[str] = set()
        self._legends: list[bool] = []  # per open fieldset: has it a legend yet
        self._in_label = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "fieldset":
            self._legends.append(False)
        elif tag == "legend" and self._legends:
            self._legends[-1] = True
        elif tag == "label":
            self._in_label += 1
            if attributes.get("for"):
                self.labelled.add(attributes["for"])
        elif tag in ("input", "select", "textarea"):
            kind = attributes.get("type", "text") if tag == "input" else tag
            if kind not in ("hidden", "submit", "button", "reset"):
                self.controls.append(
                    {**attributes, "type": kind, "in_label": self._in_label > 0, "legend": any(self._legends)}
                )

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._legends:
            self._legends.pop()
        elif tag == "label":
            self._in_label = max(0, self._in_label - 1)


_PERSONAL = {"email": "email", "username": "username", "password": ("current-password", "new-password")}


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("/", None),
        ("/pass", None),
        ("/sites", None),
        ("/desk", None),
        ("/ot", None),
        ("/ot", "demo-ot-cahors"),
        ("/ot/sites", "demo-ot-cahors"),
        ("/ot/work", "demo-ot-cahors"),
    ],
)
async def test_every_form_control_is_labelled_grouped_and_completed(client, path, user):
    """Every control has a label; choices sharing a name are a fieldset with its legend; a
    personal field says what it is (`autocomplete`), so a browser can fill it in."""
    headers = await staff_headers(client, user) if user else {}
    page = await client.get(path, params={"lang": "fr"}, headers=headers)
    assert page.status_code == 200
    parsed = _Controls()
    parsed.feed(page.text)
    assert parsed.controls, "no form on the page"
    by_name: dict[str, int] = {}
    for control in parsed.controls:
        name = control.get("name", "")
        named = control["in_label"] or control.get("id") in parsed.labelled or "aria-label" in control
        assert named or "aria-labelledby" in control, control
        if control["type"] in ("radio", "checkbox"):
            by_name[name] = by_name.get(name, 0) + 1
        expected = _PERSONAL.get(control["type"] if control["type"] in ("email", "password") else name)
        if expected is not None:
            assert control.get("autocomplete") in ((expected,) if isinstance(expected, str) else expected), control
    for control in parsed.controls:
        if by_name.get(control.get("name", ""), 0) > 1:
            assert control["legend"], f"the choices {control['name']!r} are not a fieldset with a legend"
