"""What the OpenAPI document says of the wallet routes beyond what Litestar infers."""

from __future__ import annotations

from service.core.openapi import HOLDER_REFUSALS, QR, Doc, Operations

_REFUSALS = (
    *HOLDER_REFUSALS,
    "request.invalid",
    "wallet.not_configured",
    "wallet.link_invalid",
    "wallet.link_expired",
    "pass.revoked",
    "pass.expired",
)

OPERATIONS: Operations = {
    ("get", "/api/v1/passes/{code}/wallet/apple"): Doc(_REFUSALS, security=QR),
    ("get", "/api/v1/passes/{code}/wallet/google"): Doc(
        _REFUSALS, {"save_url": "https://pay.google.com/gp/v/save/eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}, security=QR
    ),
}
