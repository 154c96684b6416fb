"""Server-rendered pages, grouped by who uses them: visitor.py and sites.py, desk.py, office.py.
Controllers return `templating.page(...)` and call the domains only; the
templates live in service/templates/, the front-end sources in front/.
"""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from service.pages.assets import static_router
from service.pages.desk import DeskPages
from service.pages.legal import LegalPages
from service.pages.office import OfficePages
from service.pages.sites import SitePages
from service.pages.templating import page_lang, template_config
from service.pages.visitor import VisitorPages

__all__ = ["routes", "template_config"]


def routes() -> list[Router]:
    """The pages (each gets its `lang`) and their static assets, for the app factory."""
    pages = Router(
        path="/",
        route_handlers=[VisitorPages, SitePages, LegalPages, DeskPages, OfficePages],
        dependencies={"lang": Provide(page_lang, sync_to_thread=False)},
        include_in_schema=False,
    )
    return [pages, static_router()]
