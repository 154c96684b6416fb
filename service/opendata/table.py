"""The uptake as an open table: one row per ISO week, tourist office and arrival mode, its
Table Schema (frictionless) and its data package. No I/O.

Statistical confidentiality: a count from 1 to `min_count` - 1 is left empty and flagged;
the persons and CO2 of withheld passes are left empty with them (both would give the count
back: persons ≥ passes, CO2 about proportional to them). A zero is published: it is about
nobody. There is no total, share, rate or other column from which a withheld cell could be
recomputed, and only weeks nobody can still add to are published (service.py), so that two
downloads never differ by a few passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, get_args

from service.core.i18n import N_, gettext
from service.publisher import LegalConfig
from service.reports.period import iso_week
from service.reports.service import Tally
from service.settings import Mode

# The OT column of passes whose arrival stop lies in no OT's territory.
NO_OT = "hors-ot"
# The language of the published metadata (the Lot's data platform is French); the page
# shows the same texts in its visitor's language.
METADATA_LANG = "fr"
LICENCE = {
    "name": "etalab-2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "title": "Licence Ouverte / Open Licence version 2.0",
}
# When a new week comes in: a week is published once it is over and the desks' offline
# window has passed (72 h by default: on Thursdays).
UPDATE_FREQUENCY = "weekly"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    title: str  # English msgids, translated where shown
    description: str
    constraints: tuple[tuple[str, Any], ...] = ()


_COUNT = (("minimum", 0),)
FIELDS: tuple[Field, ...] = (
    Field(
        "week",
        "string",
        N_("ISO week"),
        N_("The ISO 8601 week, Monday to Sunday in the Lot's days, e.g. 2026-W27."),
        (("required", True), ("pattern", "[0-9]{4}-W[0-9]{2}")),
    ),
    Field("week_start", "date", N_("First day of the week"), N_("The Monday of that week."), (("required", True),)),
    Field(
        "ot",
        "string",
        N_("Tourist office"),
        N_(
            "The tourist office (OT) whose territory it is: for passes, the one of the arrival stop; for uses, the "
            "one of the partner site. {none}: an arrival stop in no office's territory."
        ),
        (("required", True), ("pattern", "[a-z0-9-]+")),
    ),
    Field("ot_name", "string", N_("Tourist office's name"), N_("Its name.")),
    Field(
        "mode",
        "string",
        N_("Arrival mode"),
        N_("How the visitors arrived: train, bus (a liO coach) or bike."),
        (("required", True), ("enum", list(get_args(Mode)))),
    ),
    Field(
        "passes",
        "integer",
        N_("Passes issued"),
        N_(
            "Passes issued that week to visitors arriving this way in this territory. Empty when there were "
            "from 1 to {last} (passes_suppressed)."
        ),
        _COUNT,
    ),
    Field(
        "persons",
        "integer",
        N_("Persons"),
        N_("The persons those passes cover (a pass is for a group). Empty with the passes."),
        _COUNT,
    ),
    Field(
        "uses",
        "integer",
        N_("Uses"),
        N_(
            "Uses that week, at this territory's partner sites, of passes of visitors arriving this way (a pass "
            "is used once per site). Empty when there were from 1 to {last} (uses_suppressed)."
        ),
        _COUNT,
    ),
    Field(
        "co2_avoided_kg",
        "integer",
        N_("CO2 avoided (kg)"),
        N_(
            "An estimate of the kg of CO2 equivalent those passes avoided against the same trips by car, by the "
            "method of the tourist offices' reports. Empty with the passes."
        ),
        _COUNT,
    ),
    Field(
        "passes_suppressed",
        "boolean",
        N_("Passes withheld"),
        N_("true: passes, persons and CO2 are left empty, there were fewer than {min} passes."),
        (("required", True),),
    ),
    Field(
        "uses_suppressed",
        "boolean",
        N_("Uses withheld"),
        N_("true: uses is left empty, there were fewer than {min} uses."),
        (("required", True),),
    ),
)
COLUMNS = tuple(field.name for field in FIELDS)


def describe(field: Field, min_count: int, lang: str) -> str:
    return gettext(field.description, lang).format(min=min_count, last=min_count - 1, none=NO_OT)


def _withheld(count: int, min_count: int) -> bool:
    return 0 < count < min_count


def _bool(value: bool) -> str:
    return "true" if value else "false"


def rows(tallies: dict[tuple[date, str, str], Tally], ot_names: dict[str, str], min_count: int) -> list[dict[str, Any]]:
    """The published rows of (Monday, OT id or '', mode) → what happened, by week, OT and mode."""
    published = []
    for (monday, ot_id, mode), cell in sorted(tallies.items()):
        if not (cell.passes or cell.redemptions):
            continue  # emptied by corrections
        passes_hidden, uses_hidden = _withheld(cell.passes, min_count), _withheld(cell.redemptions, min_count)
        published.append(
            {
                "week": iso_week(monday.isoformat()),
                "week_start": monday.isoformat(),
                "ot": ot_id or NO_OT,
                "ot_name": ot_names.get(ot_id),
                "mode": mode,
                "passes": None if passes_hidden else cell.passes,
                "persons": None if passes_hidden else cell.persons,
                "uses": None if uses_hidden else cell.redemptions,
                "co2_avoided_kg": None if passes_hidden else round(cell.co2_kg),
                "passes_suppressed": _bool(passes_hidden),
                "uses_suppressed": _bool(uses_hidden),
            }
        )
    return published


def schema(min_count: int, lang: str = METADATA_LANG) -> dict[str, Any]:
    """The Table Schema of `uptake.csv`: its fields in its order, one row per week, OT and mode."""
    fields = []
    for field in FIELDS:
        entry: dict[str, Any] = {
            "name": field.name,
            "type": field.type,
            "title": gettext(field.title, lang),
            "description": describe(field, min_count, lang),
        }
        if field.type == "boolean":
            entry.update(trueValues=["true"], falseValues=["false"])
        if field.constraints:
            entry["constraints"] = dict(field.constraints)
        fields.append(entry)
    return {"fields": fields, "primaryKey": ["week", "ot", "mode"], "missingValues": [""]}


def datapackage(public_url: str, legal: LegalConfig, min_count: int, lang: str = METADATA_LANG) -> dict[str, Any]:
    """The data package: what the file is, under which licence, from whom, how often."""
    return {
        "name": "tarif-bas-carbone-lot-frequentation",
        "title": gettext("Uptake of the Tarif bas carbone du Lot", lang),
        "description": gettext(
            "Passes issued to visitors who came to the Lot by train, liO coach or bike, the persons they cover, "
            "their uses at partner sites and the CO2 they avoided, by ISO week, tourist office and arrival mode. "
            "Counts from 1 to {last} are withheld.",
            lang,
        ).format(last=min_count - 1),
        "homepage": f"{public_url}/open-data",
        "licenses": [LICENCE],
        "sources": [{"title": "Tarif bas carbone du Lot", "path": public_url}],
        "contributors": [{"title": legal.publisher.name, "role": "publisher", "email": legal.publisher.email}],
        "keywords": ["tourisme", "mobilité", "bas carbone", "Lot", "train", "car liO", "vélo"],
        "update_frequency": UPDATE_FREQUENCY,
        "resources": [
            {
                "name": "uptake",
                "path": "uptake.csv",
                "title": gettext("Uptake by week, tourist office and arrival mode", lang),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "schema": "schema.json",
            }
        ],
    }
