"""OpenAPI of the redemptions routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import STAFF, STAFF_REFUSALS, Doc, Operations

OPERATIONS: Operations = {
    ("get", "/api/v1/revocations"): Doc(
        ("request.invalid",),
        {
            "revoked": [
                {"jti": "K7M2QX9RTA", "revoked_at": "2026-07-15T10:00:00Z", "valid_until": "2026-07-20T22:00:00Z"}
            ],
            "generated_at": "2026-07-15T10:04:30Z",
        },
    ),
    ("post", "/api/v1/redemptions"): Doc(
        (
            "request.invalid",
            "pass.invalid",
            "pass.code_invalid",
            "pass.not_found",
            "pass.expired",
            "pass.revoked",
            "pass.not_yet_valid",
            "redemption.already_redeemed",
            "redemption.persons_already_in",
            "redemption.too_many_persons",
            "site.mode_not_accepted",
            "site.confidence_too_low",
            "site.proof_too_old",
            "site.inactive",
            "booking.required",
            *STAFF_REFUSALS,
        ),
        {
            "status": "ok",
            "pass": {
                "code": "K7M2QX9RTA",
                "persons": 2,
                "mode": "train",
                "valid_until": "2026-07-20T22:00:00Z",
                "confidence": "plausible",
                "declared": {
                    "method": "declared_trip",
                    "line": "871234",
                    "arrival_stop": "Cahors",
                    "arrival_date": "2026-07-14",
                    "arrival_time": "10:42",
                },
            },
            "redemption": {
                "id": 912,
                "site_id": "musee-henri-martin",
                "persons": 2,
                "admitted": 2,
                "admitted_before": 0,
                "redeemed_at": "2026-07-14T09:12:40Z",
            },
            "offer": {"label": "Entrée à tarif réduit"},
        },
        {"token": "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "nonce": "desk1-0001"},
        STAFF,
    ),
    ("post", "/api/v1/redemptions/sync"): Doc(
        ("request.invalid", *STAFF_REFUSALS),
        {
            "results": [
                {"nonce": "desk1-0002", "status": "ok"},
                {"nonce": "desk1-0003", "status": "duplicate", "code": "redemption.already_redeemed"},
            ]
        },
        {"items": [{"nonce": "desk1-0002", "code": "K7M2QX9RTA", "scanned_at": "2026-07-14T09:30:00+02:00"}]},
        STAFF,
    ),
    ("get", "/api/v1/redemptions/conflicts"): Doc(
        STAFF_REFUSALS,
        [
            {
                "id": 3,
                "code": "K7M2QX9RTA",
                "site_id": "musee-henri-martin",
                "first_device": "accueil-1",
                "first_scanned_at": "2026-07-14T09:30:00Z",
                "first_redeemed_at": "2026-07-14T09:31:02Z",
                "device": "accueil-2",
                "scanned_at": "2026-07-14T09:32:00Z",
            }
        ],
        security=STAFF,
    ),
    ("get", "/api/v1/redemptions/alerts"): Doc(
        STAFF_REFUSALS,
        [
            {
                "id": 9,
                "kind": "unknown_codes_burst",
                "site_id": "musee-henri-martin",
                "device": "accueil-1",
                "code": None,
                "details": {"unknown_codes": 10, "window_minutes": 10},
                "created_at": "2026-07-14T09:40:00Z",
            }
        ],
        security=STAFF,
    ),
    ("post", "/api/v1/redemptions/conflicts/{conflict_id}/acknowledge"): Doc(
        ("request.invalid", "request.not_found", "conflict.already_acknowledged", *STAFF_REFUSALS),
        {
            "id": 3,
            "code": "K7M2QX9RTA",
            "site_id": "musee-henri-martin",
            "acknowledged_at": "2026-07-14T10:02:00Z",
            "acknowledged_by": "demo-ot-cahors",
            "note": "two desks offline at once",
        },
        {"note": "two desks offline at once"},
        security=STAFF,
    ),
}
