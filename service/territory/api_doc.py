"""OpenAPI of the territory routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import SITE_EXAMPLE, STAFF, STAFF_REFUSALS, Doc, Operations

# What an answer adds for a site imported from the SIT (DATAtourisme; null otherwise).
_FROM_THE_SIT = {
    "name_en": "Henri-Martin Museum",
    "name_es": None,
    "kind": "museum",
    "address": {"street": "792 rue Émile-Zola", "postcode": "46000", "town": "Cahors", "insee": "46042"},
    "contact": {"phone": "+33 5 65 00 00 00", "email": "accueil@example.org", "website": "https://example.org/"},
    "description": "Beaux-arts, archéologie et l'œuvre d'Henri Martin.",
    "description_en": None,
    "description_es": None,
    "hours": [
        {
            "days": ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            "opens": "10:00",
            "closes": "18:00",
            "valid_from": "2026-04-01",
            "valid_through": "2026-10-31",
        },
        {"days": ["PublicHolidays"], "opens": "14:00", "closes": "18:00"},
    ],
    "sit": {
        "id": "PCUOCC046V50ABCD",
        "uri": "https://data.datatourisme.fr/46/pcuocc046v50abcd",
        "updated": "2026-11-20",
    },
}
_SITE = {**SITE_EXAMPLE, **_FROM_THE_SIT}
_MANAGED = {**_SITE, "active": True, "updated_at": "2026-07-14T08:00:00Z"}

OPERATIONS: Operations = {
    ("get", "/api/v1/ots"): Doc((), [{"id": "cahors", "name": "Cahors – Vallée du Lot"}]),
    ("get", "/api/v1/sites"): Doc(("request.invalid", "ot.unknown"), [_SITE]),
    ("get", "/api/v1/sites/{site_id}"): Doc(("request.not_found",), _SITE),
    ("get", "/api/v1/stops"): Doc(
        ("request.invalid",),
        [
            {
                "id": "StopArea:OCE87613000",
                "name": "Cahors",
                "mode": "train",
                "lat": 44.4492,
                "lon": 1.4331,
                "ot": "cahors",
                "uic": "87613000",
                "in_lot": True,
                "gateway": False,
            }
        ],
    ),
    ("get", "/api/v1/sites/managed"): Doc(
        ("request.invalid", "ot.unknown", *STAFF_REFUSALS),
        [_MANAGED],
        security=STAFF,
    ),
    ("post", "/api/v1/sites/import"): Doc(
        (
            "request.invalid",
            "request.too_large",
            "request.unsupported_media_type",
            "site.import_invalid",
            "ot.unknown",
            *STAFF_REFUSALS,
        ),
        {
            "dry_run": True,
            "counts": {"created": 1, "updated": 1, "unchanged": 0, "skipped": 1},
            "records": [
                {
                    "sit_id": "PCUOCC046V50ABCD",
                    "outcome": "updated",
                    "name": "Musée Henri-Martin",
                    "site_id": "musee-henri-martin",
                    "ot": "cahors",
                },
                {
                    "sit_id": "PCUOCC046V50EFGH",
                    "outcome": "created",
                    "name": "Maison de l'eau",
                    "site_id": "maison-de-l-eau",
                    "ot": "cahors",
                },
                {
                    "sit_id": "PCUOCC046V50IJKL",
                    "outcome": "skipped",
                    "name": "Fête de la truffe",
                    "reason": "not_a_place",
                    "reason_text": "pas un lieu que l'on visite (un événement, un circuit, un hébergement, "
                    "un restaurant ou une boutique)",
                },
            ],
        },
        security=STAFF,
    ),
    ("post", "/api/v1/sites"): Doc(
        ("request.invalid", "site.invalid", "site.exists", *STAFF_REFUSALS),
        _MANAGED,
        {**SITE_EXAMPLE, "active": True},
        security=STAFF,
    ),
    ("patch", "/api/v1/sites/{site_id}"): Doc(
        ("request.invalid", "request.not_found", "site.invalid", *STAFF_REFUSALS),
        {**_MANAGED, "min_confidence": "verified"},
        {"min_confidence": "verified"},
        security=STAFF,
    ),
    ("get", "/api/v1/sites/{site_id}/staff"): Doc(
        ("request.not_found", *STAFF_REFUSALS),
        [
            {
                "id": 31,
                "username": "accueil-henri-martin",
                "active": True,
                "created_at": "2026-04-01T08:00:00Z",
                "last_login_at": None,
            }
        ],
        security=STAFF,
    ),
    ("post", "/api/v1/sites/{site_id}/staff"): Doc(
        ("request.invalid", "request.not_found", "account.username_taken", *STAFF_REFUSALS),
        {
            "id": 31,
            "username": "accueil-henri-martin",
            "active": True,
            "created_at": "2026-04-01T08:00:00Z",
            "last_login_at": None,
        },
        {"username": "accueil-henri-martin", "password": "a long passphrase"},
        security=STAFF,
    ),
    ("post", "/api/v1/sites/{site_id}/staff/{account_id}/sign-out"): Doc(
        ("request.invalid", "request.not_found", *STAFF_REFUSALS), security=STAFF
    ),
    ("patch", "/api/v1/sites/{site_id}/staff/{account_id}"): Doc(
        ("request.invalid", "request.not_found", *STAFF_REFUSALS),
        {
            "id": 31,
            "username": "accueil-henri-martin",
            "active": False,
            "created_at": "2026-04-01T08:00:00Z",
            "last_login_at": None,
        },
        {"active": False},
        security=STAFF,
    ),
}
