"""Reading a DATAtourisme export (JSON-LD: one record, a list, or a `@graph`) into the
facts of a partner site. Pure: no I/O, and no `@context` is ever fetched — the keys
are read as DATAtourisme compacts them (`rdfs:label`, `schema:geo`, `isLocatedAt`,
`:isLocatedAt`) or as full IRIs, whatever the file's context says.

A record that cannot be a site (no identifier, no name, no position, an event or a
hotel…) comes back as a `Skipped` with its reason; only a file that is not JSON-LD at
all raises `ExportError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import msgspec

from service.core.i18n import N_
from service.territory.hours import PUBLIC_HOLIDAYS, WEEKDAYS, Opening

MAX_RECORDS = 20_000

# The vocabularies DATAtourisme writes in, by IRI: a full IRI key becomes the compact one.
_PREFIXES = (
    ("http://schema.org/", "schema:"),
    ("https://schema.org/", "schema:"),
    ("http://www.w3.org/2000/01/rdf-schema#", "rdfs:"),
    ("http://purl.org/dc/elements/1.1/", "dc:"),
    ("http://xmlns.com/foaf/0.1/", "foaf:"),
    ("https://www.datatourisme.fr/ontology/core#", ""),
    ("https://www.datatourisme.gouv.fr/ontology/core#", ""),
)
LANGUAGES = ("fr", "en", "es")

# Why a record is not imported: English msgids (the CLI prints them, the OT page translates).
SKIP_REASONS = {
    "no_identifier": N_("no identifier (dc:identifier or @id)"),
    "no_name": N_("no name (rdfs:label)"),
    "no_position": N_("no position (schema:geo)"),
    "bad_position": N_("a position that is not a latitude and longitude"),
    "not_a_place": N_("not a place one visits (an event, a tour, lodging, a restaurant or a shop)"),
    "outside_lot": N_("outside the Lot"),
    "unknown_ot": N_("a commune no OT is set for (config/territory.toml [communes]; or give the OT)"),
    "other_ot": N_("a site of another OT"),
}

# DATAtourisme's classes (and schema.org's) → our kind of site; the first that matches wins.
_KINDS = (
    ("museum", {"Museum", "InterpretationCentre", "ArtGalleryOrExhibitionGallery"}),
    ("heritage", {"CulturalSite", "RemarkableBuilding", "ReligiousSite", "Castle", "ArcheologicalSite"}),
    ("nature", {"NaturalHeritage", "Cave", "ParkAndGarden", "Park", "Landform"}),
    ("leisure", {"SportsAndLeisurePlace", "LeisureComplex", "AmusementPark", "Zoo", "ThemePark"}),
    ("activity", {"ActivityProvider", "SportsEvent", "Visit", "Tasting"}),
)
# Records of these classes are not places a pass is used at.
_NOT_PLACES = {
    "EntertainmentAndEvent",
    "Event",
    "Tour",
    "Accommodation",
    "LodgingBusiness",
    "FoodEstablishment",
    "Restaurant",
    "Store",
    "Transport",
}
_PLACES = {"PlaceOfInterest", "PointOfInterest", "Place", "TouristAttraction"}

_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9](?:\.[0-9]+)?)?$")
_POSTCODE = re.compile(r"^[0-9]{5}$")
_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_WEBSITE = re.compile(r"^https?://[^\s]+$")


class ExportError(Exception):
    """The file is not a DATAtourisme export; the message says where."""


class Record(msgspec.Struct, frozen=True):
    """What a SIT record says of a site (texts by language: fr, en, es)."""

    sit_id: str
    uri: str | None
    names: dict[str, str]
    lat: float
    lon: float
    kind: str
    street: str | None = None
    postcode: str | None = None
    town: str | None = None
    insee: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    descriptions: dict[str, str] = msgspec.field(default_factory=dict)
    hours: tuple[Opening, ...] | None = None
    updated: date | None = None
    price_eur: float | None = None  # the full price per person its offers state, in euros


class Skipped(msgspec.Struct, frozen=True):
    """A record not imported: its identifier (or its place in the file), its name when it
    has one, and the reason (a key of SKIP_REASONS)."""

    sit_id: str
    name: str | None
    reason: str


def read_export(data: bytes) -> list[Record | Skipped]:
    """Every record of an export, in its order."""
    try:
        document = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ExportError(f"not JSON: {exc}") from exc
    if isinstance(document, dict) and "@graph" in document:
        document = document["@graph"]
    records = document if isinstance(document, list) else [document]
    if len(records) > MAX_RECORDS:
        raise ExportError(f"{len(records)} records: at most {MAX_RECORDS} in one import")
    found: list[Record | Skipped] = []
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            raise ExportError(f"record {index + 1}: a JSON object was expected")
        found.append(_record(_compact(raw), index))
    return found


def _compact(node: Any) -> Any:
    """The node with every key in its compact form (prefixed; DATAtourisme's core unprefixed)."""
    if isinstance(node, list):
        return [_compact(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {_key(key): _compact(value) for key, value in node.items()}


def _key(key: str) -> str:
    for iri, prefix in _PREFIXES:
        if key.startswith(iri):
            return prefix + key[len(iri) :]
    return key.removeprefix(":").removeprefix("dt:")


def _all(node: Any, key: str) -> list[Any]:
    """The values of `key` in `node` (a JSON-LD value may be one or a list of them)."""
    if not isinstance(node, dict) or key not in node:
        return []
    return _as_list(node[key])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _nodes(node: Any, key: str) -> list[dict[str, Any]]:
    return [value for value in _all(node, key) if isinstance(value, dict)]


def _scalars(node: Any, key: str) -> Iterator[str]:
    """The plain values of `key`: strings and numbers, `@value`s and `@id`s, as text."""
    for value in _all(node, key):
        if isinstance(value, dict):
            value = value.get("@value", value.get("@id"))
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, str | int | float) and str(value).strip():
            yield str(value).strip()


def _first(node: Any, key: str, most: int) -> str | None:
    text = next(_scalars(node, key), None)
    return text[:most] if text else None


def _texts(node: Any, key: str, most: int) -> dict[str, str]:
    """A text by language: from a language map ({"fr": [...]}), `@language` values, or plain
    strings (French, DATAtourisme's language)."""
    found: dict[str, str] = {}
    for value in _all(node, key):
        if isinstance(value, dict) and "@value" in value:
            pairs = [(value.get("@language", "fr"), value["@value"])]
        elif isinstance(value, dict):
            pairs = [(lang, text) for lang, texts in value.items() for text in _as_list(texts)]
        else:
            pairs = [("fr", value)]
        for lang, text in pairs:
            lang = str(lang).lower().split("-")[0]
            if lang in LANGUAGES and isinstance(text, str) and text.strip() and lang not in found:
                found[lang] = " ".join(text.split())[:most]
    return found


def _local_name(iri: str) -> str:
    return re.split(r"[:#/]", iri)[-1]


def _record(raw: dict[str, Any], index: int) -> Record | Skipped:
    sit_id = _first(raw, "dc:identifier", 200) or _first(raw, "@id", 200)
    names = _texts(raw, "rdfs:label", 120)
    name = names.get("fr") or next(iter(names.values()), None)
    if sit_id is None:
        return Skipped(f"#{index + 1}", name, "no_identifier")
    if name is None:
        return Skipped(sit_id, None, "no_name")
    types = {_local_name(t) for t in _scalars(raw, "@type")}
    kind = next((kind for kind, classes in _KINDS if types & classes), None)
    if kind is None and (types & _NOT_PLACES or not types & _PLACES):
        return Skipped(sit_id, name, "not_a_place")
    places = _nodes(raw, "isLocatedAt") or [raw]
    position = _position(places)
    if position is None or isinstance(position, str):
        return Skipped(sit_id, name, position or "no_position")
    openings = [opening for place in places for opening in _openings(place)]
    return Record(
        sit_id=sit_id,
        uri=_first(raw, "@id", 500),
        names={"fr": name, **{lang: text for lang, text in names.items() if lang != "fr"}},
        lat=position[0],
        lon=position[1],
        kind=kind or "place",
        **_address(places),
        **_contact(raw),
        descriptions=_descriptions(raw),
        hours=tuple(openings) if openings else None,
        updated=_date(_first(raw, "lastUpdate", 40) or _first(raw, "lastUpdateDatatourisme", 40)),
        price_eur=_full_price(raw),
    )


def _full_price(raw: dict[str, Any]) -> float | None:
    """The full price per person its offers state in euros: the highest of their price
    specifications (a free entry, 0; none stated, None)."""
    prices = []
    for offer in _nodes(raw, "offers"):
        for spec in _nodes(offer, "schema:priceSpecification"):
            if (_first(spec, "schema:priceCurrency", 8) or "EUR").upper() != "EUR":
                continue
            for key in ("schema:maxPrice", "schema:price", "schema:minPrice"):
                if (text := _first(spec, key, 20)) is not None:
                    try:
                        value = float(text.replace(",", "."))
                    except ValueError:
                        continue
                    if 0 <= value < 10_000:
                        prices.append(value)
                    break
    return round(max(prices), 2) if prices else None


def _address(places: list[dict[str, Any]]) -> dict[str, str | None]:
    """Street, postcode, town and the commune's INSEE code of the first place with an address."""
    address = next((found for place in places for found in _nodes(place, "schema:address")), {})
    city = next(iter(_nodes(address, "hasAddressCity")), {})
    postcode, insee = _first(address, "schema:postalCode", 5), _first(city, "insee", 5)
    town = _first(address, "schema:addressLocality", 120) or next(iter(_texts(city, "rdfs:label", 120).values()), None)
    return {
        "street": ", ".join(_scalars(address, "schema:streetAddress"))[:200] or None,
        "postcode": postcode if postcode and _POSTCODE.match(postcode) else None,
        "town": town,
        "insee": insee if insee and _INSEE.match(insee) else None,
    }


def _contact(raw: dict[str, Any]) -> dict[str, str | None]:
    """The first phone, e-mail and website of the record's contacts, when they are ones."""

    def first(key: str) -> str | None:
        return next((text for agent in _nodes(raw, "hasContact") for text in _scalars(agent, key)), None)

    phone, email, website = first("schema:telephone"), first("schema:email"), first("foaf:homepage")
    return {
        "phone": phone[:40] if phone else None,
        "email": email if email and len(email) <= 254 and _EMAIL.match(email) else None,
        "website": website if website and len(website) <= 500 and _WEBSITE.match(website) else None,
    }


def _descriptions(raw: dict[str, Any]) -> dict[str, str]:
    """The short description by language, else the record's comment."""
    found: dict[str, str] = {}
    for description in _nodes(raw, "hasDescription"):
        for lang, text in _texts(description, "shortDescription", 2000).items():
            found.setdefault(lang, text)
    for lang, text in _texts(raw, "rdfs:comment", 2000).items():
        found.setdefault(lang, text)
    return found


def _openings(place: dict[str, Any]) -> Iterator[Opening]:
    for spec in _nodes(place, "schema:openingHoursSpecification"):
        if (opening := _opening(spec)) is not None:
            yield opening


def _position(places: list[dict[str, Any]]) -> tuple[float, float] | str | None:
    """(lat, lon) of the first place with a position; "bad_position" when it is not one."""
    for place in places:
        for geo in _nodes(place, "schema:geo"):
            lat, lon = _first(geo, "schema:latitude", 40), _first(geo, "schema:longitude", 40)
            if lat is None and lon is None:
                continue
            try:
                point = (float((lat or "").replace(",", ".")), float((lon or "").replace(",", ".")))
            except ValueError:
                return "bad_position"
            if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
                return "bad_position"
            return point
    return None


def _opening(spec: dict[str, Any]) -> Opening | None:
    """One opening, or None when it says nothing usable (times that are not times)."""
    named = {_local_name(day) for day in _scalars(spec, "schema:dayOfWeek")}
    days = tuple(day for day in (*WEEKDAYS, PUBLIC_HOLIDAYS) if day in named)
    times = [_time(_first(spec, key, 20)) for key in ("schema:opens", "schema:closes")]
    if any(t == "" for t in times):
        return None
    return Opening(
        days=days,
        opens=times[0],
        closes=times[1],
        valid_from=_date(_first(spec, "schema:validFrom", 40)),
        valid_through=_date(_first(spec, "schema:validThrough", 40)),
    )


def _time(text: str | None) -> str | None:
    """ "HH:MM" of "HH:MM[:SS]"; "" when it is not a time, None when there is none."""
    if text is None:
        return None
    match = _TIME.match(text)
    return f"{match.group(1)}:{match.group(2)}" if match else ""


def _date(text: str | None) -> date | None:
    """The date of "YYYY-MM-DD[Thh:mm:ss…]" (the day the SIT wrote, in its own time)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
