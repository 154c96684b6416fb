"""What the OpenAPI document says of the proofs routes beyond what Litestar infers
(service.core.openapi.Doc: refusals, examples, security)."""

from __future__ import annotations

from typing import Final

from service.core.openapi import (
    PASS_EXAMPLE,
    REVIEW_ID,
    Doc,
    proof_codes,
)

OPERATIONS: Final[dict[tuple[str, str], Doc]] = {
    ("post", "/api/v1/claims"): Doc(
        (
            "request.invalid",
            "request.too_large",
            "request.unsupported_media_type",
            "request.rate_limited",
            *proof_codes(),
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
