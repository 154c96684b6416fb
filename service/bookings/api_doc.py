"""OpenAPI of the bookings routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import PASS_TOKEN, SLOT_EXAMPLE, STAFF, STAFF_REFUSALS, Doc, Operations

OPERATIONS: Operations = {
    ("get", "/api/v1/bookings/today"): Doc(
        STAFF_REFUSALS,
        [
            {
                **SLOT_EXAMPLE,
                "bookings": [
                    {
                        "booking_id": 41,
                        "code": "K7M2QX9RTA",
                        "code_display": "K7M2-QX9R-TA",
                        "persons": 2,
                        "scanned_at": "2026-07-14T08:05:00Z",
                        "device": "accueil-1",
                    }
                ],
            }
        ],
        security=STAFF,
    ),
    ("get", "/api/v1/sites/{site_id}/slots"): Doc(("request.invalid", "request.not_found"), [SLOT_EXAMPLE]),
    ("post", "/api/v1/sites/{site_id}/slots"): Doc(
        ("request.invalid", "request.not_found", "booking.not_bookable", "booking.slot_exists", *STAFF_REFUSALS),
        SLOT_EXAMPLE,
        {"start": "2026-07-15T10:00:00+02:00", "end": "2026-07-15T11:00:00+02:00", "capacity": 10},
        STAFF,
    ),
    ("post", "/api/v1/bookings"): Doc(
        (
            "request.invalid",
            "pass.invalid",
            "pass.revoked",
            "booking.slot_not_found",
            "booking.slot_past",
            "booking.outside_validity",
            "booking.not_bookable",
            "booking.too_many_persons",
            "booking.duplicate",
            "booking.full",
        ),
        {"id": 55, "slot_id": 41, "persons": 2},
        {"token": "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "slot_id": 41, "persons": 2},
    ),
    ("delete", "/api/v1/bookings/{booking_id}"): Doc(
        ("request.invalid", "pass.token_required", "pass.invalid", "request.not_found", "booking.started"),
        security=PASS_TOKEN,
    ),
    ("get", "/api/v1/slots"): Doc(
        ("request.invalid", "ot.unknown", *STAFF_REFUSALS),
        [
            {
                "id": 12,
                "site_id": "grotte-pech-merle",
                "site_name": "Grotte du Pech Merle",
                "ot_id": "cahors",
                "start": "2026-07-15T08:00:00Z",
                "end": "2026-07-15T09:00:00Z",
                "capacity": 10,
                "booked": 4,
                "remaining": 6,
                "bookings": 2,
            }
        ],
        security=STAFF,
    ),
}
