"""The visitor's pages."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.response import Template

from service.core.db import DB
from service.pages.templating import Lang, page
from service.territory import repository as territory
from service.territory.controller import site_from_row


class VisitorPages(Controller):
    @get("/", name="visitor.home")
    async def home(self, request: Request, db: DB, lang: Lang) -> Template:
        """What the Tarif bas carbone is, and the partner offers grouped by OT (as /api/v1/sites)."""
        sites = [site_from_row(row) for row in await territory.list_sites(db, None, None)]
        offers_by_ot = [(ot, [site for site in sites if site.ot == ot["id"]]) for ot in await territory.list_ots(db)]
        return page(
            "visitor/home.html.j2",
            lang,
            offers_by_ot=[(ot, ot_sites) for ot, ot_sites in offers_by_ot if ot_sites],
            validity_days=request.app.state.settings.config.rules.passes.validity_days,
        )
