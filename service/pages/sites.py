"""The visitor's « Où utiliser mon pass »: `/sites`, every active partner site with its offer,
its town and what its hours say of today in the Lot, filtered by OT, arrival mode and
« open today », nearest a chosen stop; a map of the same list (its tiles from
`TBC_MAP_TILES_URL`, the only other origin the page's CSP names); and `/sites/{id}`, one
site's offer, address, week, contact and nearest arrival stops.

The list is the page: filters are a GET form, the map and « near me » (the phone's
position, used in the browser and never sent) are added by front/src/sites.js.
"""

from __future__ import annotations

from typing import Any, get_args
from urllib.parse import quote, urlsplit

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Template

from service.core.db import DB
from service.core.errors import Problem
from service.pages.templating import Lang, page
from service.settings import Mode
from service.territory import guide
from service.territory import service as territory
from service.territory.hours import DayHours
from service.territory.views import Site

MODES = get_args(Mode)
_YES = ("1", "on", "true", "yes")


def _text(site: Site, field: str, lang: str) -> str | None:
    """A site's `name` or `description` in `lang` when the SIT gave it, else the French one."""
    translated = getattr(site, f"{field}_{lang}", None) if lang in ("en", "es") else None
    return translated or getattr(site, field)


def map_links(site: Site, lang: str) -> dict[str, str]:
    """Links that open the place in the phone's map app (Android's geo:, Apple's Plans) or on
    OpenStreetMap."""
    name = quote(_text(site, "name", lang) or site.name)
    at = f"{site.lat:.6f},{site.lon:.6f}"
    return {
        "geo": f"geo:{at}?q={at}({name})",
        "apple": f"https://maps.apple.com/?ll={at}&q={name}",
        "osm": f"https://www.openstreetmap.org/?mlat={site.lat:.6f}&mlon={site.lon:.6f}#map=16/{site.lat:.5f}/{site.lon:.5f}",
    }


def _map(state: State) -> dict[str, Any]:
    settings = state.settings
    parts = urlsplit(settings.map_tiles_url)
    return {
        "tiles": settings.map_tiles_url,
        "attribution": settings.map_attribution,
        "origin": f"{parts.scheme}://{parts.netloc}",
    }


class SitePages(Controller):
    @get("/sites", name="visitor.sites")
    async def sites(self, request: Request, db: DB, state: State, lang: Lang) -> Template:
        """The list with its filters: `ot`, `mode`, `open_today`, `near` (a stop's id); a value
        that names nothing is no filter."""
        asked = request.query_params
        ots = await territory.ots(db)
        stops = await guide.arrival_stops(db)
        chosen = {
            "ot": asked.get("ot") if asked.get("ot") in {row["id"] for row in ots} else None,
            "mode": asked.get("mode") if asked.get("mode") in MODES else None,
            "open_today": (asked.get("open_today") or "").lower() in _YES,
        }
        stop = next((row for row in stops if row["id"] == asked.get("near")), None)
        listed = await guide.where_to_go(db, state.settings, near=stop, **chosen)
        tiles = _map(state)
        return page(
            "visitor/sites.html.j2",
            lang,
            image_origins=(tiles["origin"],),
            listed=listed,
            ots=ots,
            ot_names={row["id"]: row["name"] for row in ots},
            stops=stops,
            chosen=chosen,
            near=stop,
            map=tiles,
            text=lambda site, field: _text(site, field, lang),
            spans=hours_spans,
            validity_days=state.settings.config.rules.passes.validity_days,
        )

    @get("/sites/{site_id:str}", name="visitor.site")
    async def site(self, db: DB, state: State, lang: Lang, site_id: FromPath[str]) -> Template:
        found = await guide.visit(db, state.settings, site_id)
        if found is None:
            raise Problem(404, "request.not_found")
        ots = {row["id"]: row["name"] for row in await territory.ots(db)}
        return page(
            "visitor/site.html.j2",
            lang,
            visit=found,
            site=found.site,
            ot_name=ots.get(found.site.ot, found.site.ot),
            links=map_links(found.site, lang),
            text=lambda site, field: _text(site, field, lang),
            spans=hours_spans,
            validity_days=state.settings.config.rules.passes.validity_days,
        )


def hours_spans(day: DayHours) -> str:
    """« 10:00–12:30, 14:00–18:00 »."""
    return ", ".join(f"{opens}–{closes}" for opens, closes in day.spans)
