"""A public service's pages: the accessibility statement, the privacy notice (its retention
periods read from config/rules.toml, the ones `tbc purge` enforces) and the legal notice, from
config/legal.toml; the accessibility status in the footer of every page."""

from __future__ import annotations

import html
import re

import pytest


def _text(page) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page.text).split()))


@pytest.mark.parametrize("path", ["/", "/sites", "/pass", "/desk", "/ot", "/accessibilite", "/mentions-legales"])
async def test_every_page_says_its_accessibility_status_in_its_footer(client, path):
    page = await client.get(path, params={"lang": "fr"})
    assert page.status_code == 200
    footer = page.text[page.text.index('<footer class="site-footer">') :]
    assert '<a href="/accessibilite?lang=fr">Accessibilité : partiellement conforme</a>' in footer
    assert 'href="/confidentialite?lang=fr"' in footer and 'href="/mentions-legales?lang=fr"' in footer


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
