"""The pass: its state for the holder, its QR, revocation, and the public keys."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from service.accounts.guards import Staff, bearer_token, requires
from service.core import audit, clock, db, ratelimit
from service.core.db import DB
from service.core.errors import Problem
from service.core.validation import Email
from service.mail import outbox
from service.passes import codes, qr, repository, rights
from service.passes.service import (
    arrival_stop,
    claims_of,
    holder_claims,
    send_again_asked,
    sites_today,
    token_for,
)
from service.passes.views import PassView, wallet_links
from service.reports import co2


class Revocation(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=500)]


class Revoked(msgspec.Struct):
    code: str
    revoked_at: datetime
    reason: str


class SendAgain(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


def pass_status(row: asyncpg.Record, now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if now >= row["valid_until"]:
        return "expired"
    if now < row["valid_from"]:
        return "not_yet_valid"
    return "valid"


_PRIVATE = {"Cache-Control": "private, no-store"}
_QR_HEADERS = {"Cache-Control": "private, max-age=3600", "Referrer-Policy": "no-referrer"}


async def _qr_token(
    request: Request,
    state: State,
    db: DB,
    code: FromPath[str],
    token: FromQuery[str | None] = None,
    expires: FromQuery[int | None] = None,
    sig: FromQuery[str | None] = None,
) -> str:
    """The token the QR encodes (the `presented` of both QR routes): the one presented
    (bearer or `?token=`), or, for a signed link, the stored pass's own."""
    presented = bearer_token(request) or token
    if presented or sig is None:
        await holder_claims(code, presented, state.settings, state.keyring, state.pool)
        assert presented is not None
        return presented
    canonical = codes.normalise(code)
    if canonical is None:
        raise Problem(404, "pass.not_found")
    if expires is None:
        raise Problem(403, "qr.link_invalid")
    state.qr_links.check(canonical, expires, sig, time.time())
    row = await repository.by_code(db, canonical)
    if row is None:
        raise Problem(404, "pass.not_found")
    if row["revoked_at"] is not None:
        raise Problem(410, "pass.revoked")
    return token_for(claims_of(row), state.settings, state.keyring)


_QR_SUMMARY = "QR of the pass as {} (the signed link of the claim answer, the pass token as bearer, or ?token=)"
_QR_TOKEN = {"presented": Provide(_qr_token)}


class PassController(Controller):
    path = "/api/v1/passes"
    tags = ["passes"]

    @post(
        "/send-again",
        status_code=202,
        summary="Send again by e-mail the passes issued to an address",
        description="« I already have a pass »: each pass issued to `email` that still holds is sent to it "
        "again (at most every 15 minutes). 202 whether or not there is one: the answer tells nothing of the address.",
    )
    async def resend(self, request: Request, state: State, db: DB, data: JSONBody[SendAgain]) -> None:
        bucket = ratelimit.client_bucket("pass_resends", request, state.derived_keys.fingerprint)
        await send_again_asked(db, state.settings, bucket, data.email, lambda: outbox.wake(state))

    @get("/{code:str}", summary="The pass, for its holder (bearer: the pass token)")
    async def show(self, request: Request, state: State, db: DB, code: FromPath[str]) -> PassView:
        claims = await holder_claims(code, bearer_token(request), state.settings, state.keyring, state.pool)
        row = await repository.by_code(db, claims.code)
        if row is None:
            raise Problem(404, "pass.not_found")
        redemptions = await repository.redemptions_of(db, row["id"])
        bookings = await repository.bookings_of(db, row["id"])
        return PassView(
            code=row["code"],
            code_display=codes.display(row["code"]),
            persons=row["persons"],
            mode=row["mode"],
            method=row["method"],
            confidence=row["confidence"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            status=pass_status(row, clock.now()),
            redemptions=[dict(r) for r in redemptions],
            bookings=[dict(b) for b in bookings],
            arrival_date=row["arrival_date"],
            co2_avoided_kg=round(
                co2.avoided_kg(row["mode"], row["persons"], row["trip_km"], state.settings.config.factors), 1
            ),
            sites_today=await sites_today(db, state.settings, row, await arrival_stop(db, row)),
            wallet=wallet_links(state.qr_links, state.wallet_kinds, row["code"], time.time())
            if row["revoked_at"] is None and clock.now() < row["valid_until"]
            else None,
        )

    @get(
        "/{code:str}/data",
        summary="Everything held about the pass and its proof, for its holder (bearer: the pass token)",
    )
    async def data(self, request: Request, state: State, db: DB, code: FromPath[str]) -> Response[dict[str, Any]]:
        claims = await holder_claims(code, bearer_token(request), state.settings, state.keyring, state.pool)
        held = await rights.data_of(db, state.settings, claims.code)
        filename = f"tarif-bas-carbone-{claims.code}.json"
        return Response(held, headers={"Content-Disposition": f'attachment; filename="{filename}"', **_PRIVATE})

    @delete(
        "/{code:str}",
        status_code=200,
        summary="Erase the pass's data at its holder's request (bearer: the pass token): the pass is revoked",
    )
    async def erase(self, request: Request, state: State, db: DB, code: FromPath[str]) -> dict[str, Any]:
        claims = await holder_claims(code, bearer_token(request), state.settings, state.keyring, state.pool)
        return await rights.erase(db, state.settings, claims.code)

    @get("/{code:str}/qr.svg", summary=_QR_SUMMARY.format("SVG"), media_type="image/svg+xml", dependencies=_QR_TOKEN)
    async def qr_svg(self, presented: NamedDependency[str]) -> Response[bytes]:
        return Response(qr.svg(presented), media_type="image/svg+xml", headers=_QR_HEADERS)

    @get("/{code:str}/qr.png", summary=_QR_SUMMARY.format("PNG"), media_type="image/png", dependencies=_QR_TOKEN)
    async def qr_png(self, presented: NamedDependency[str]) -> Response[bytes]:
        return Response(qr.png(presented), media_type="image/png", headers=_QR_HEADERS)

    @post("/{code:str}/revoke", guards=[requires("ot", "pilot", "admin")], status_code=200, summary="Revoke a pass")
    async def revoke(
        self, request: Request[Staff, Any, Any], db: DB, code: FromPath[str], data: JSONBody[Revocation]
    ) -> Revoked:
        staff = request.user
        canonical = codes.normalise(code)
        if canonical is None:
            raise Problem(404, "pass.not_found")
        async with db.transaction():
            current = await repository.by_code(db, canonical, for_update=True)
            if current is None:
                raise Problem(404, "pass.not_found")
            if staff.role == "ot" and current["ot_id"] != staff.ot_id:
                raise Problem(403, "auth.forbidden")
            row = await repository.revoke(db, canonical, data.reason, staff.id)
            assert row is not None
            await audit.record(
                db,
                "pass.revoked",
                "pass",
                canonical,
                by=staff,
                details={"reason": data.reason},
            )
        return Revoked(row["code"], row["revoked_at"], row["revoked_reason"])


@get(
    "/.well-known/jwks.json",
    tags=["public"],
    summary="Public keys that sign the passes",
    media_type="application/jwk-set+json",
)
async def jwks(state: State) -> dict[str, Any]:
    async with db.acquire(state.pool) as conn:
        await state.keyring.refresh(conn, state.settings.keyring_refresh_seconds)
    return state.keyring.jwks()
