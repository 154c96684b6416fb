"""POST /api/v1/claims: a visitor proves a low-carbon arrival and gets a pass."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import JSONBody
from litestar import Controller, post
from litestar.datastructures import State

from service.core.db import DB
from service.passes import codes
from service.proofs import service
from service.settings import Lang, Mode

Method = Literal["rail_barcode", "declared_trip", "gpx", "attestation", "manual"]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ClaimRequest(msgspec.Struct, forbid_unknown_fields=True):
    mode: Mode
    method: Method
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)]
    evidence: dict[str, Any] = msgspec.field(default_factory=dict)
    email: Email | None = None
    lang: Lang = "fr"


class IssuedPassView(msgspec.Struct):
    code: str
    code_display: str
    token: str
    persons: int
    mode: str
    method: str
    confidence: str
    valid_from: datetime
    valid_until: datetime
    qr_svg_url: str
    qr_png_url: str
    checks: dict[str, Any]


class ClaimAccepted(msgspec.Struct):
    pass_: IssuedPassView = msgspec.field(name="pass")


class ClaimController(Controller):
    path = "/api/v1/claims"
    tags = ["claims"]

    @post("", status_code=201, summary="Claim a pass with an arrival proof")
    async def claim(self, data: JSONBody[ClaimRequest], db: DB, state: State) -> ClaimAccepted:
        settings = state.settings
        verdict = await service.verify(
            db, settings, state.derived_keys.fingerprint, mode=data.mode, method=data.method, persons=data.persons,
            evidence=data.evidence,
        )
        issued = await service.accept(
            db, settings, state.keyring, mode=data.mode, method=data.method, verdict=verdict, email=data.email,
            lang=data.lang,
        )
        base = f"/api/v1/passes/{issued.code}"
        claims = issued.claims
        return ClaimAccepted(
            IssuedPassView(
                code=issued.code, code_display=codes.display(issued.code), token=issued.token, persons=claims.persons,
                mode=claims.mode, method=issued.method, confidence=claims.confidence, valid_from=claims.valid_from,
                valid_until=claims.valid_until, qr_svg_url=f"{base}/qr.svg", qr_png_url=f"{base}/qr.png",
                checks={k: v for k, v in verdict.facts.items() if k.endswith("_checked")},
            )
        )
