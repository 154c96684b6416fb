"""OpenAPI of the passes routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import HOLDER_REFUSALS, PASS_EXAMPLE, PASS_TOKEN, QR, STAFF, STAFF_REFUSALS, Doc, Operations

# What a pass's holder reads back of it, as issued.
_HELD = ("code", "code_display", "persons", "mode", "method", "confidence", "valid_from", "valid_until")

OPERATIONS: Operations = {
    ("get", "/.well-known/jwks.json"): Doc(
        (),
        {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "kid": "Um71NZbp-DZT",
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                    "alg": "EdDSA",
                    "use": "sig",
                }
            ]
        },
    ),
    ("get", "/api/v1/passes/{code}"): Doc(
        HOLDER_REFUSALS,
        {
            **{key: PASS_EXAMPLE[key] for key in _HELD},
            "status": "valid",
            "redemptions": [{"site_id": "musee-henri-martin", "persons": 2, "redeemed_at": "2026-07-14T09:12:40Z"}],
            "bookings": [],
            "wallet": PASS_EXAMPLE["wallet"],
            "sites_today": [
                {
                    "id": "musee-henri-martin",
                    "name": "Musée Henri-Martin",
                    "offer": {"label": "Tarif réduit"},
                    "bookable": False,
                    "booking_required": False,
                    "lat": 44.4475,
                    "lon": 1.4412,
                    "km": 0.6,
                    "today": {"state": "open", "spans": [["10:00", "12:30"], ["14:00", "18:00"]]},
                }
            ],
        },
        security=PASS_TOKEN,
    ),
    ("get", "/api/v1/passes/{code}/data"): Doc(
        HOLDER_REFUSALS,
        {
            "pass": {**{key: PASS_EXAMPLE[key] for key in _HELD}, "email": "visitor@example.org", "revoked_at": None},
            "proof": {"method": "declared_trip", "mode": "train", "status": "accepted", "facts": {"line": "871234"}},
            "uses": [{"site_id": "musee-henri-martin", "persons": 2, "redeemed_at": "2026-07-14T09:12:40Z"}],
            "bookings": [],
            "mail": [{"kind": "pass_issued", "lang": "fr", "created_at": "2026-07-13T08:00:00Z", "sent_at": None}],
            "retention_days": {"email_after_the_pass_ends": 30, "ride_shape_and_photo_hash": 180, "audit": 365},
        },
        security=PASS_TOKEN,
    ),
    ("delete", "/api/v1/passes/{code}"): Doc(
        HOLDER_REFUSALS,
        {
            "code": "K7M2QX9RTA",
            "revoked_at": "2026-07-15T10:00:00Z",
            "erased": ["email", "queued_mail", "proof_facts", "proof_photo", "review_reason"],
            "kept": {"proof_fingerprint": "a keyed hash: one proof gives one pass"},
            "at": "2026-07-15T10:00:00Z",
        },
        security=PASS_TOKEN,
    ),
    ("get", "/api/v1/passes/{code}/qr.svg"): Doc(
        (*HOLDER_REFUSALS, "request.invalid", "qr.link_invalid", "qr.link_expired", "pass.revoked"),
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 57 57">…</svg>',
        security=QR,
    ),
    ("get", "/api/v1/passes/{code}/qr.png"): Doc(
        (*HOLDER_REFUSALS, "request.invalid", "qr.link_invalid", "qr.link_expired", "pass.revoked"), security=QR
    ),
    ("post", "/api/v1/passes/send-again"): Doc(
        ("request.invalid", "request.rate_limited"), None, {"email": "visitor@example.org"}
    ),
    ("post", "/api/v1/passes/{code}/revoke"): Doc(
        ("request.invalid", "pass.not_found", *STAFF_REFUSALS),
        {"code": "K7M2QX9RTA", "revoked_at": "2026-07-15T10:00:00Z", "reason": "ticket shared"},
        {"reason": "ticket shared"},
        STAFF,
    ),
}
