"""OpenAPI of the attestations routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import STAFF, STAFF_REFUSALS, Doc, Operations

OPERATIONS: Operations = {
    ("post", "/api/v1/attestations"): Doc(
        ("request.invalid", "proof.too_many_persons", *STAFF_REFUSALS),
        {"code": "7Q2KM9XR4T", "code_display": "7Q2K-M9XR-4T", "persons": 2, "expires_at": "2026-07-15T09:00:00Z"},
        {"persons": 2},
        STAFF,
    ),
}
