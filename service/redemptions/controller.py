"""POST /api/v1/redemptions: a partner desk scans a pass."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.params import JSONBody
from litestar import Controller, Request, Response, post
from litestar.datastructures import State

from service.core.db import DB
from service.accounts.guards import Staff, requires
from service.core.errors import PROBLEM_JSON, Problem, request_lang
from service.redemptions.service import Desk, Scan, redeem

Nonce = Annotated[str, msgspec.Meta(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]


class RedemptionRequest(msgspec.Struct, forbid_unknown_fields=True):
    nonce: Nonce
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)] | None = None
    scanned_at: datetime | None = None
    device: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] | None = None


class RedemptionController(Controller):
    path = "/api/v1/redemptions"
    tags = ["partners"]
    guards = [requires("partner")]

    @post("", summary="Redeem a pass at the caller's site (token from the QR, or the typed code)")
    async def redeem(
        self, request: Request[Staff, Any, Any], data: JSONBody[RedemptionRequest], db: DB, state: State
    ) -> Response[dict[str, Any]]:
        if (data.token is None) == (data.code is None):
            raise Problem(400, "request.invalid", reason="give exactly one of token and code")
        if data.scanned_at is not None and data.scanned_at.tzinfo is None:
            raise Problem(400, "request.invalid", reason="scanned_at needs a time zone offset")
        staff = request.user
        assert staff.site_id is not None
        scan = Scan(
            nonce=data.nonce, token=data.token, code=data.code, persons=data.persons, scanned_at=data.scanned_at,
            device=data.device or staff.username,
        )
        status, body = await redeem(
            db, state.settings, state.keyring, state.pool, Desk(staff.id, staff.site_id), scan, request_lang(request)
        )
        return Response(body, status_code=status, media_type="application/json" if status < 400 else PROBLEM_JSON)
