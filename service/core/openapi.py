"""The served OpenAPI document, completed with what Litestar cannot infer: who may
call each operation (bearer schemes), the problem+json answers each one really
sends (by code, from the one code → status table), the 202 of claims, the CSV
report, and an example of every operation.

The interactive page under /schema is Swagger UI from a Python package
(swagger-ui-py), served by the app itself: it works offline and never loads a CDN.
"""

from __future__ import annotations

import copy
import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.serialization import encode_json
from litestar.static_files import create_static_files_router

from service.core.error_codes import STATUS
from service.core.messages import render

ASSETS_PATH: Final = "/schema/assets"


def _swagger_ui_dir() -> Path:
    # the package's files only: importing it would load its web-framework adapters
    spec = find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "static"


SWAGGER_UI_DIR: Final = _swagger_ui_dir()

# staff programs send the bearer header; the staff pages, the session cookie
STAFF: Final = [{"staff": []}, {"staffSession": []}]
PASS_TOKEN: Final = [{"pass": []}]
# the QR image: the signed link of the claim answer (no credential), the pass token as bearer, or ?token=
QR: Final = [{}, {"pass": []}, {"passQuery": []}]

STAFF_REFUSALS: Final = ("auth.required", "auth.invalid_token", "auth.forbidden")
HOLDER_REFUSALS: Final = ("pass.token_required", "pass.invalid", "auth.forbidden", "pass.not_found")
# any operation may fail unexpectedly, or find the database away
ALWAYS: Final = ("server.internal", "service.unavailable")

PASS_EXAMPLE: Final = {
    "code": "K7M2QX9RTA",
    "code_display": "K7M2-QX9R-TA",
    "token": "eyJhbGciOiJFZERTQSIsImtpZCI6IlVtNzFOWmJwIn0.eyJqdGkiOiJLN00yUVg5UlRBIn0.c2lnbmF0dXJl",
    "persons": 2,
    "mode": "train",
    "method": "declared_trip",
    "confidence": "plausible",
    "valid_from": "2026-07-13T22:00:00Z",
    "valid_until": "2026-07-20T22:00:00Z",
    "qr_svg_url": "/api/v1/passes/K7M2QX9RTA/qr.svg?expires=1784120400&sig=0cJ3l2mQq8cXb3VxY2Ff1w7E",
    "qr_png_url": "/api/v1/passes/K7M2QX9RTA/qr.png?expires=1784120400&sig=0cJ3l2mQq8cXb3VxY2Ff1w7E",
    "checks": {"timetable_checked": True},
}
REVIEW_ID: Final = "3f0c2a8e-6b1d-4c55-9e2f-0a7d4b1c9e21"
SITE_EXAMPLE: Final = {
    "id": "musee-henri-martin",
    "name": "Musée Henri-Martin",
    "ot": "cahors",
    "lat": 44.4471,
    "lon": 1.4408,
    "modes": ["train", "bus", "bike"],
    "offer": {"label": "Entrée à tarif réduit", "normal_price_eur": 6.0, "reduced_price_eur": 4.0},
    "proof_max_age_days": 7,
    "min_confidence": "plausible",
    "bookable": False,
    "booking_required": False,
}
SLOT_EXAMPLE: Final = {
    "id": 41,
    "start": "2026-07-15T08:00:00Z",
    "end": "2026-07-15T09:00:00Z",
    "capacity": 10,
    "remaining": 7,
}


@dataclass(frozen=True)
class Doc:
    """What the document says of one operation beyond what Litestar infers."""

    refusals: tuple[str, ...]
    example: Any = None  # of the success answer
    request: Any = None  # of the request body
    security: list[dict[str, list[str]]] | None = None


SITE_EXAMPLE: Final[dict[str, Any]] = {
    "id": "musee-henri-martin",
    "name": "Musée Henri-Martin",
    "ot": "cahors",
    "lat": 44.4475,
    "lon": 1.4412,
    "modes": ["train", "bus", "bike"],
    "offer": {"label": "Tarif réduit", "label_en": "Reduced fare", "label_es": "Tarifa reducida"},
    "proof_max_age_days": 7,
    "min_confidence": "plausible",
    "bookable": False,
    "booking_required": False,
}


def _proof_codes() -> tuple[str, ...]:
    return tuple(code for code in STATUS if code.startswith("proof."))


OPERATIONS: Final[dict[tuple[str, str], Doc]] = {
    ("get", "/health/live"): Doc((), {"status": "ok"}),
    ("get", "/health/ready"): Doc((), {"status": "ok"}),
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
        {
            "username": "demo-ot-cahors",
            "role": "ot",
            "ot": "cahors",
            "site": None,
            "device": None,
            "expires_at": "2026-07-14T16:02:11Z",
        },
        security=[{"staff": []}],
    ),
    ("get", "/api/v1/auth/session"): Doc(
        STAFF_REFUSALS,
        {
            "username": "demo-ot-cahors",
            "role": "ot",
            "ot": "cahors",
            "site": None,
            "device": None,
            "expires_at": "2026-07-14T16:02:11Z",
        },
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
    ("post", "/api/v1/claims"): Doc(
        (
            "request.invalid",
            "request.too_large",
            "request.unsupported_media_type",
            "request.rate_limited",
            *_proof_codes(),
        ),
        {"pass": PASS_EXAMPLE},
        {
            "mode": "train",
            "method": "declared_trip",
            "persons": 2,
            "lang": "fr",
            "evidence": {
                "date": "2026-07-14",
                "arrival_stop_id": "StopArea:OCE87613000",
                "arrival_time": "10:42",
                "line": "871234",
                "ticket_ref": "QWERTY",
            },
        },
    ),
    ("get", "/api/v1/claims/review/{review_id}"): Doc(
        ("request.not_found",),
        {
            "review": {"id": REVIEW_ID, "status": "accepted", "reason": None},
            "pass": {**PASS_EXAMPLE, "method": "manual", "confidence": "verified"},
        },
    ),
    ("get", "/api/v1/passes/{code}"): Doc(
        HOLDER_REFUSALS,
        {
            "code": "K7M2QX9RTA",
            "code_display": "K7M2-QX9R-TA",
            "persons": 2,
            "mode": "train",
            "method": "declared_trip",
            "confidence": "plausible",
            "valid_from": "2026-07-13T22:00:00Z",
            "valid_until": "2026-07-20T22:00:00Z",
            "status": "valid",
            "redemptions": [{"site_id": "musee-henri-martin", "persons": 2, "redeemed_at": "2026-07-14T09:12:40Z"}],
            "bookings": [],
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
    ("post", "/api/v1/attestations"): Doc(
        ("request.invalid", "proof.too_many_persons", *STAFF_REFUSALS),
        {"code": "7Q2KM9XR4T", "code_display": "7Q2K-M9XR-4T", "persons": 2, "expires_at": "2026-07-15T09:00:00Z"},
        {"persons": 2},
        STAFF,
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
    ("get", "/api/v1/reports/uptake"): Doc(
        ("request.invalid", "report.invalid_period", "ot.unknown", *STAFF_REFUSALS),
        {
            "ot": "cahors",
            "from": "2026-01-01",
            "to": "2026-07-14",
            "totals": {
                "passes": 412,
                "persons": 903,
                "redemptions": 655,
                "passes_used": 301,
                "uptake_rate": 0.73,
                "co2_avoided_kg": 5210.4,
            },
            "rows": [
                {
                    "mode": "train",
                    "passes": 288,
                    "persons": 640,
                    "redemptions": 470,
                    "passes_used": 215,
                    "uptake_rate": 0.75,
                    "co2_avoided_kg": 4102.7,
                }
            ],
        },
        security=STAFF,
    ),
    ("get", "/api/v1/reports/figures"): Doc(
        ("request.invalid", "report.invalid_period", "ot.unknown", *STAFF_REFUSALS),
        {
            "ot": "cahors",
            "from": "2026-04-01",
            "to": "2026-07-14",
            "season_start": "2026-04-01",
            "previous_period": {"from": "2025-04-01", "to": "2025-07-14"},
            "figures": {
                "passes": {"value": 412, "previous": 350},
                "persons": {"value": 903, "previous": 770},
                "redemptions": {"value": 655, "previous": 540},
                "uptake_rate": {"value": 0.73, "previous": 0.7},
                "uses_per_pass": {"value": 1.59, "previous": 1.54},
                "co2_avoided_kg": {"value": 5210.4, "previous": 4420.0},
            },
            "rows": [],
            "co2_method": {"source": "ADEME Impact CO2, snapshot 2026-07"},
        },
        security=STAFF,
    ),
    ("get", "/api/v1/reports/breakdowns"): Doc(
        ("request.invalid", "report.invalid_period", "ot.unknown", *STAFF_REFUSALS),
        {
            "ot": "cahors",
            "from": "2026-04-01",
            "to": "2026-07-14",
            "totals": {"passes": 412, "persons": 903, "redemptions": 655, "uptake_rate": 0.73},
            "breakdowns": {"mode": [{"mode": "train", "passes": 288, "redemptions": 470}]},
            "co2_method": {"source": "ADEME Impact CO2, snapshot 2026-07"},
        },
        security=STAFF,
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
    ("get", "/api/v1/review/proofs"): Doc(
        ("request.invalid", *STAFF_REFUSALS),
        [
            {
                "id": REVIEW_ID,
                "status": "pending",
                "mode": "train",
                "persons": 2,
                "arrival_date": None,
                "arrival_stop_id": None,
                "site_id": None,
                "ot": None,
                "submitted_at": "2026-07-14T08:40:00Z",
                "photo_url": f"/api/v1/review/proofs/{REVIEW_ID}/photo",
            }
        ],
        security=STAFF,
    ),
    ("get", "/api/v1/review/proofs/{review_id}/photo"): Doc(("request.not_found", *STAFF_REFUSALS), security=STAFF),
    ("post", "/api/v1/review/proofs/{review_id}/approve"): Doc(
        (
            "request.invalid",
            "request.not_found",
            "review.already_decided",
            "review.date_required",
            "review.place_required",
            "proof.too_old",
            "proof.in_future",
            "proof.unknown_stop",
            "proof.stop_mode_mismatch",
            "proof.stop_outside_lot",
            "proof.evidence_invalid",
            *STAFF_REFUSALS,
        ),
        {"id": REVIEW_ID, "status": "accepted", "pass_code": "K7M2QX9RTA"},
        {"date": "2026-07-14", "arrival_stop_id": "StopArea:OCE87613042"},
        STAFF,
    ),
    ("post", "/api/v1/review/proofs/{review_id}/reject"): Doc(
        ("request.invalid", "request.not_found", "review.already_decided", *STAFF_REFUSALS),
        {"id": REVIEW_ID, "status": "rejected", "pass_code": None},
        {"reason": "Photo illisible"},
        STAFF,
    ),
}

SECURITY_SCHEMES: Final = {
    "staff": {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff access token from POST /api/v1/auth/token (partner, ot, pilot, admin), or a "
        "partner's device token.",
    },
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "tbc_staff",
        "description": "The staff pages' session: POST /api/v1/auth/session with a staff bearer token sets this "
        "HttpOnly, SameSite=Strict cookie; writes carried by it must come from the service's own origin.",
    },
    "pass": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (EdDSA)",
        "description": "The pass token the claim answered with: the holder's credential.",
    },
    "passQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "The pass token as `?token=`, kept for compatibility; prefer the signed QR links.",
    },
}

PROBLEM_SCHEMA: Final = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` is stable; `title` and `detail` are for people, in the "
    "request's language. Fields named in a message (e.g. `days`, `first`) are added beside them.",
    "required": ["type", "status", "title", "detail", "code"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": sorted(STATUS)},
        "request_id": {"type": "string", "description": "the X-Request-ID of the request, when it has one"},
    },
    "additionalProperties": True,
}

REPORT_SCHEMA: Final = {
    "type": "object",
    "required": ["ot", "from", "to", "totals", "rows"],
    "properties": {
        "ot": {"type": ["string", "null"], "description": "null: the whole department"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "totals": {"$ref": "#/components/schemas/UptakeFigures"},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/UptakeFigures"}},
    },
}
FIGURES_SCHEMA: Final = {
    "type": "object",
    "description": "Figures of the period; rows also carry their group's key (mode, site, week, method, stop or ot) "
    "and, for sites and stops, a name.",
    "properties": {
        "passes": {"type": "integer"},
        "persons": {"type": "integer"},
        "redemptions": {"type": "integer"},
        "passes_used": {"type": "integer"},
        "uptake_rate": {"type": "number"},
        "co2_avoided_kg": {"type": "number"},
    },
    "additionalProperties": True,
}


def problem_example(code: str) -> dict[str, Any]:
    title, detail = render(code, "en", {})
    return {"type": "about:blank", "status": STATUS[code], "title": title, "detail": detail, "code": code}


def _problem_responses(codes: tuple[str, ...]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in dict.fromkeys((*codes, *ALWAYS)):
        by_status[STATUS[code]].append(code)
    return {
        str(status): {
            "description": "; ".join(f"`{code}`" for code in status_codes),
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": {code: {"value": problem_example(code)} for code in status_codes},
                }
            },
        }
        for status, status_codes in sorted(by_status.items())
    }


def _complete_operation(path: str, method: str, operation: dict[str, Any], doc: Doc) -> None:
    responses = operation.setdefault("responses", {})
    for status in [status for status in responses if status.startswith(("4", "5"))]:
        del responses[status]  # Litestar's generic {status_code, detail, extra}: never sent
    success = next(iter(responses.values()), None)
    if (method, path) == ("post", "/api/v1/claims"):
        responses["201"] = {
            "description": "The proof holds: the pass.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClaimAccepted"}}},
        }
        responses["200"] = {
            "description": "The same proof sent again: the pass it gave the first time (same code).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClaimAccepted"}}},
        }
        responses["202"] = {
            "description": "A `manual` proof (or a ride like an earlier one) waits for a person of the OT; "
            "follow it at /api/v1/claims/review/{id}. The same proof sent again gets its review back.",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ClaimPending"},
                    "example": {"review": {"id": REVIEW_ID, "status": "pending"}},
                }
            },
        }
        success = responses["201"]
    if (method, path) == ("get", "/api/v1/reports/uptake") and success is not None:
        success["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/UptakeReport"}},
            "text/csv": {
                "schema": {"type": "string"},
                "example": "mode,passes,persons,redemptions,passes_used,uptake_rate,co2_avoided_kg\r\n"
                "train,288,640,470,215,0.75,4102.7\r\n",
            },
        }
        success["description"] = "JSON, or CSV (the same rows) with `Accept: text/csv` or `format=csv`."
    if path == "/api/v1/review/proofs/{review_id}/approve" and "requestBody" in operation:
        operation["requestBody"]["required"] = False
    if doc.example is not None and success is not None:
        for media in success.get("content", {}).values():
            if not (media.get("example") or media.get("examples")):
                media["example"] = doc.example
                break
    if doc.request is not None and "requestBody" in operation:
        for media in operation["requestBody"].get("content", {}).values():
            media.setdefault("example", doc.request)
            break
    refusals = doc.refusals
    if "requestBody" in operation:  # any body may be malformed or too large
        refusals = ("request.invalid", "request.too_large", *refusals)
    elif operation.get("parameters"):
        refusals = ("request.invalid", *refusals)
    responses.update(_problem_responses(refusals))
    if doc.security is not None:
        operation["security"] = doc.security


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """The document with what the table above adds; operations it does not know are left bare
    (a test fails on them)."""
    done = copy.deepcopy(schema)
    components = done.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    schemas.update(Problem=PROBLEM_SCHEMA, UptakeReport=REPORT_SCHEMA, UptakeFigures=FIGURES_SCHEMA)
    done["x-error-codes"] = dict(sorted(STATUS.items()))
    for path, item in done.get("paths", {}).items():
        for method, operation in item.items():
            doc = OPERATIONS.get((method, path))
            if doc is not None and isinstance(operation, dict):
                _complete_operation(path, method, operation, doc)
    return done


@dataclass
class _Completed:
    source: int | None = None
    document: dict[str, Any] = field(default_factory=dict)

    def of(self, schema: dict[str, Any]) -> dict[str, Any]:
        # Litestar builds the schema once per app: complete it once too
        if self.source != id(schema):
            self.source, self.document = id(schema), complete(schema)
        return self.document


class ContractJson(JsonRenderPlugin):
    """/schema/openapi.json, completed."""

    def __init__(self) -> None:
        super().__init__()
        self._completed = _Completed()

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return encode_json(self._completed.of(openapi_schema))


class LocalSwaggerUI(SwaggerRenderPlugin):
    """Swagger UI at /schema, its scripts and style served from the installed package;
    `start_script` gives the URL of the file that starts it (front/src/schema.js)."""

    def __init__(self, start_script: Callable[[], str]) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            path="/",
        )
        self._completed = _Completed()
        self._start_script = start_script

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The page without inline script (the CSP of every HTML answer forbids it): the spec
        is fetched from /schema/openapi.json by our own start-up file."""
        title = html.escape(openapi_schema["info"]["title"])
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link href="{self.css_url}" rel="stylesheet">
<script src="{self.js_url}"></script>
<script src="{self.standalone_preset_js_url}"></script>
<script type="module" src="{self._start_script()}"></script>
</head>
<body><div id="swagger-container"></div></body>
</html>
""".encode()


def assets_router() -> Any:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[SWAGGER_UI_DIR],
        include_in_schema=False,
        cache_control=None,
    )
