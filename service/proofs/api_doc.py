"""OpenAPI of the proofs routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import PASS_EXAMPLE, REVIEW_ID, Doc, Operations
from service.proofs import refusals
from service.proofs.methods.registry import METHODS

OPERATIONS: Operations = {
    ("post", "/api/v1/claims"): Doc(
        (
            "request.invalid",
            "request.too_large",
            "request.unsupported_media_type",
            "request.rate_limited",
            *sorted(refusals.CODES.union(*(method.codes for method in METHODS.values()))),
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
}
