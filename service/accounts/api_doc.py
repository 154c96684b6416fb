"""OpenAPI of the accounts routes beyond what Litestar infers: refusals, examples, security."""

from typing import Final

from service.core.openapi import STAFF, STAFF_REFUSALS, Doc, Operations

SESSION_EXAMPLE: Final = {
    "username": "demo-ot-cahors",
    "role": "ot",
    "ot": "cahors",
    "site": None,
    "device": None,
    "expires_at": "2026-07-14T16:02:11Z",
}

OPERATIONS: Operations = {
    ("post", "/api/v1/auth/token"): Doc(
        ("request.invalid", "auth.invalid_credentials", "request.rate_limited"),
        {
            "access_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
            "token_type": "bearer",
            "expires_in": 43200,
            "role": "partner",
            "ot": "cahors",
            "site": "musee-henri-martin",
        },
        {"username": "demo-partner-musee-henri-martin", "password": "demo"},
    ),
    ("post", "/api/v1/auth/session"): Doc(
        STAFF_REFUSALS,
        SESSION_EXAMPLE,
        security=[{"staff": []}],
    ),
    ("get", "/api/v1/auth/session"): Doc(
        STAFF_REFUSALS,
        SESSION_EXAMPLE,
        security=STAFF,
    ),
    ("delete", "/api/v1/auth/session"): Doc(("auth.forbidden",)),
    ("delete", "/api/v1/auth/sessions"): Doc(STAFF_REFUSALS, security=STAFF),
    ("get", "/api/v1/auth/alerts"): Doc(
        STAFF_REFUSALS,
        [
            {
                "id": 4,
                "kind": "sign_in_locked",
                "username": "demo-partner-musee-henri-martin",
                "role": "partner",
                "ot_id": "cahors",
                "details": {"failures": 30, "lockouts_in_a_row": 1, "locked_until": "2026-07-14T08:17:11+00:00"},
                "created_at": "2026-07-14T08:02:11Z",
            }
        ],
        security=STAFF,
    ),
    ("post", "/api/v1/devices"): Doc(
        ("request.invalid", "device.name_taken", *STAFF_REFUSALS),
        {
            "id": 7,
            "name": "accueil-1",
            "access_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
            "token_type": "bearer",
            "expires_in": 31536000,
        },
        {"name": "accueil-1"},
        STAFF,
    ),
    ("get", "/api/v1/devices"): Doc(
        STAFF_REFUSALS,
        [{"id": 7, "name": "accueil-1", "active": True, "created_at": "2026-07-14T08:02:11Z", "last_scan_at": None}],
        security=STAFF,
    ),
    ("post", "/api/v1/devices/{device_id}/disable"): Doc(
        ("request.invalid", "request.not_found", *STAFF_REFUSALS),
        {"id": 7, "name": "accueil-1", "active": False, "created_at": "2026-07-14T08:02:11Z", "last_scan_at": None},
        security=STAFF,
    ),
}
