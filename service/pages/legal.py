"""A public service's pages: `/accessibilite` (the accessibility statement, RGAA),
`/confidentialite` (the privacy notice, every retention period read from
`config/rules.toml [privacy]`, the ones `tbc purge` enforces) and `/mentions-legales` (who
publishes and hosts the service), from `config/legal.toml`, in the visitor's language."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.response import Template

from service.pages.templating import Lang, page


class LegalPages(Controller):
    @get("/accessibilite", name="legal.accessibility")
    async def accessibility(self, state: State, lang: Lang) -> Template:
        return page("visitor/accessibility.html.j2", lang, legal=state.settings.config.legal)

    @get("/confidentialite", name="legal.privacy")
    async def privacy(self, state: State, lang: Lang) -> Template:
        config = state.settings.config
        return page("visitor/privacy.html.j2", lang, legal=config.legal, retention=config.rules.privacy)

    @get("/mentions-legales", name="legal.notice")
    async def notice(self, state: State, lang: Lang) -> Template:
        return page(
            "visitor/legal_notice.html.j2", lang, legal=state.settings.config.legal, url=state.settings.public_url
        )
