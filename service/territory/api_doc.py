"""OpenAPI of the territory routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import SITE_EXAMPLE, STAFF, STAFF_REFUSALS, Doc, Operations

OPERATIONS: Operations = {
    ("get", "/api/v1/ots"): Doc((), [{"id": "cahors", "name": "Cahors – Vallée du Lot"}]),
    ("get", "/api/v1/sites"): Doc(("request.invalid", "ot.unknown"), [SITE_EXAMPLE]),
    ("get", "/api/v1/sites/{site_id}"): Doc(("request.not_found",), SITE_EXAMPLE),
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
        [{**SITE_EXAMPLE, "active": True, "updated_at": "2026-07-14T08:00:00Z"}],
        security=STAFF,
    ),
    ("post", "/api/v1/sites"): Doc(
        ("request.invalid", "site.invalid", "site.exists", *STAFF_REFUSALS),
        {**SITE_EXAMPLE, "active": True, "updated_at": "2026-07-14T08:00:00Z"},
        {**SITE_EXAMPLE, "active": True},
        security=STAFF,
    ),
    ("patch", "/api/v1/sites/{site_id}"): Doc(
        ("request.invalid", "request.not_found", "site.invalid", *STAFF_REFUSALS),
        {**SITE_EXAMPLE, "min_confidence": "verified", "active": True, "updated_at": "2026-07-14T08:00:00Z"},
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
