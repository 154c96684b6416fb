"""DATAtourisme records written by the tests, in the shape of the platform's JSON-LD
exports (the ontology is public; no third-party record is copied): compacted keys,
language maps, positions as strings, opening hours on the place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Cahors, beside the Lot's station: inside the Lot's outline, commune 46042 (Cahors).
CAHORS = (44.4480, 1.4410)


def opening(days: list[str] | None, opens: str | None, closes: str | None, since: str | None = None,
            until: str | None = None) -> dict[str, Any]:  # fmt: skip
    spec: dict[str, Any] = {"@type": ["schema:OpeningHoursSpecification"]}
    if days is not None:
        spec["schema:dayOfWeek"] = [{"@id": f"schema:{day}"} for day in days]
    for key, value in (("schema:opens", opens), ("schema:closes", closes)):
        if value is not None:
            spec[key] = value
    if since:
        spec["schema:validFrom"] = f"{since}T00:00:00"
    if until:
        spec["schema:validThrough"] = f"{until}T23:59:59"
    return spec


# A museum open in season (April–October) Tuesday to Sunday, in winter Wednesday to
# Sunday afternoons, and on public holidays all year round in the afternoon.
SEASONAL_HOURS = [
    opening(["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], "10:00:00", "12:30:00",
            "2026-04-01", "2026-10-31"),
    opening(["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], "14:00:00", "18:00:00",
            "2026-04-01", "2026-10-31"),
    opening(["Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], "14:00:00", "17:00:00",
            "2025-11-01", "2026-03-31"),
    opening(["Wednesday", "Thursday", "Friday", "Saturday", "Sunday"], "14:00:00", "17:00:00",
            "2026-11-01", "2027-03-31"),
    opening(["PublicHolidays"], "14:00:00", "18:00:00"),
]  # fmt: skip


def record(
    identifier: str,
    name: str,
    *,
    position: tuple[float, float] | None = CAHORS,
    insee: str | None = "46042",
    town: str = "Cahors",
    types: tuple[str, ...] = ("schema:Museum", "Museum", "CulturalSite", "PlaceOfInterest", "PointOfInterest"),
    hours: list[dict[str, Any]] | None = None,
    english: str | None = None,
    updated: str = "2026-11-20",
    price: str | None = None,
) -> dict[str, Any]:
    place: dict[str, Any] = {
        "@type": ["schema:Place", "Place"],
        "schema:address": [
            {
                "@type": ["schema:PostalAddress", "PostalAddress"],
                "schema:streetAddress": ["792 rue Émile-Zola"],
                "schema:postalCode": "46000",
                "schema:addressLocality": town,
                "hasAddressCity": {
                    "@type": ["City"],
                    "rdfs:label": {"fr": [town]},
                    **({"insee": insee} if insee else {}),
                },
            }
        ],
    }
    if position is not None:
        place["schema:geo"] = {"schema:latitude": str(position[0]), "schema:longitude": str(position[1])}
    if hours is not None:
        place["schema:openingHoursSpecification"] = hours
    label = {"fr": [name], **({"en": [english]} if english else {})}
    return {
        "@id": f"https://data.datatourisme.fr/46/{identifier.lower()}",
        "dc:identifier": identifier,
        "@type": list(types),
        "rdfs:label": label,
        "hasDescription": [
            {"@type": ["Description"], "shortDescription": {"fr": [f"{name} : collections et expositions."]}}
        ],
        "hasContact": [
            {
                "@type": ["foaf:Agent", "Agent"],
                "schema:telephone": ["+33 5 65 00 00 00"],
                "schema:email": ["accueil@example.org"],
                "foaf:homepage": ["https://example.org/"],
            }
        ],
        "isLocatedAt": [place],
        "lastUpdate": updated,
        **(
            {"offers": [{"schema:priceSpecification": [
                {"schema:minPrice": "3", "schema:maxPrice": price, "schema:priceCurrency": "EUR"},
                {"schema:price": "2,50", "schema:priceCurrency": "EUR"},
            ]}]}
            if price
            else {}
        ),
    }  # fmt: skip


def export(path: Path, records: list[dict[str, Any]], *, graph: bool = True) -> str:
    """Write `records` as an export (a `@graph`, else a bare list) and return its path."""
    document: Any = {"@context": "https://www.datatourisme.fr/ontology/core/context.jsonld", "@graph": records}
    path.write_text(json.dumps(document if graph else records, ensure_ascii=False), encoding="utf-8")
    return str(path)


async def imported_site(client: Any, name: str, hours: list[dict[str, Any]], *, position=CAHORS) -> str:
    """A site imported from the SIT through the API, then given an offer and made active by
    Cahors's OT: its id."""
    from tests.helpers import nonce, staff_headers

    ot = await staff_headers(client, "demo-ot-cahors")
    body = json.dumps([record(f"P{nonce()[:8]}", name, hours=hours, english=f"{name} (en)", position=position)])
    answer = await client.post("/api/v1/sites/import", content=body, headers={**ot, "Content-Type": "application/json"})
    (done,) = answer.json()["records"]
    site_id = done["site_id"]
    changed = await client.patch(
        f"/api/v1/sites/{site_id}", json={"active": True, "offer": {"label": "Entrée à 4 €"}}, headers=ot
    )
    assert changed.status_code == 200, changed.text
    return site_id
