"""POST /api/v1/attestations: a partner vouches for a cyclist in front of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.params import JSONBody

from service.accounts.guards import PartnerRoutes, Staff
from service.attestations import repository
from service.attestations.codes import CODE_BODY_LENGTH
from service.core import clock
from service.core.db import DB
from service.core.errors import Problem
from service.passes import codes

VALIDITY = timedelta(hours=24)


class AttestationRequest(msgspec.Struct, forbid_unknown_fields=True):
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1


class Attestation(msgspec.Struct):
    code: str
    code_display: str
    persons: int
    expires_at: datetime


class AttestationController(PartnerRoutes):
    path = "/api/v1/attestations"

    @post("", summary="Issue a one-time bike attestation code (valid 24 h)")
    async def issue(
        self, request: Request[Staff, Any, Any], data: JSONBody[AttestationRequest], db: DB, state: State
    ) -> Attestation:
        staff = request.user
        limit = state.settings.config.rules.claims.max_persons
        if data.persons > limit:
            raise Problem(422, "proof.too_many_persons", max=limit)
        expires_at = clock.now() + VALIDITY
        row = await codes.insert_with_new_code(
            lambda code: repository.insert(db, code, staff.site_id, staff.id, data.persons, expires_at),  # type: ignore[arg-type]
            CODE_BODY_LENGTH,
        )
        return Attestation(row["code"], codes.display(row["code"]), row["persons"], row["expires_at"])
