"""A public service's pages: `/accessibilite` (the accessibility statement, RGAA),
`/confidentialite` (the privacy notice, every retention period read from
`config/rules.toml [privacy]`, the ones `tbc purge` enforces) and `/mentions-legales` (who
publishes and hosts the service), from `config/legal.toml`, and `/open-data` (the published
uptake, its columns and the rule that keeps it from revealing anybody), in the visitor's
language."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.response import Template

from service.core.db import DB
from service.opendata import table
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

    @get("/open-data", name="legal.open_data")
    async def open_data(self, state: State, db: DB, lang: Lang) -> Template:
        published = await state.open_data.get(db, state.settings)
        min_count = state.settings.config.rules.open_data.min_count
        latest = [row for row in published.rows if published.through and row["week_start"] == str(published.through)]
        columns = [(field.name, field.title, table.describe(field, min_count, lang)) for field in table.FIELDS]
        figures = [(field.name, field.title) for field in table.FIELDS if field.type == "integer"]  # the counts
        return page(
            "visitor/open_data.html.j2",
            lang,
            legal=state.settings.config.legal,
            columns=columns,
            figures=figures,
            latest=latest,
            min_count=min_count,
            offline_hours=state.settings.config.rules.scans.offline_window_hours,
            licence=table.LICENCE,
        )
