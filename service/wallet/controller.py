"""`GET /api/v1/passes/{code}/wallet/apple` (the `.pkpass`) and `…/wallet/google` (its save
link), for the pass's holder: the pass token as bearer, or a signed link of the pass answer
(Safari opens a `.pkpass` by navigation, without a header)."""

from __future__ import annotations

import time
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from service.accounts.guards import bearer_token
from service.core import heavy
from service.core.db import DB
from service.core.errors import Problem, request_lang
from service.passes import codes
from service.passes.service import holder_claims
from service.wallet import apple, google
from service.wallet.service import facts_of

PKPASS = "application/vnd.apple.pkpass"


class GoogleSave(msgspec.Struct):
    save_url: str  # opens Google Wallet with the pass, to save it


async def _held(
    request: Request[Any, Any, Any],
    state: State,
    code: FromPath[str],
    expires: FromQuery[int | None] = None,
    sig: FromQuery[str | None] = None,
) -> str:
    """The canonical code, once the caller shows it holds the pass: its token, or a link
    signed for this route's wallet (the route's `opt["wallet"]`)."""
    wallet = request.route_handler.opt["wallet"]
    if getattr(state.wallets, wallet) is None:
        raise Problem(404, "wallet.not_configured", wallet=wallet.capitalize())
    token = bearer_token(request)
    if token is not None or sig is None:
        return (await holder_claims(code, token, state.settings, state.keyring, state.pool)).code
    canonical = codes.normalise(code)
    if canonical is None:
        raise Problem(404, "pass.not_found")
    if expires is None:
        raise Problem(403, "wallet.link_invalid")
    state.qr_links.check_wallet(canonical, wallet, expires, sig, time.time())
    return canonical


_HELD = {"held": Provide(_held)}
_PRIVATE = {"Cache-Control": "private, no-store"}


class WalletController(Controller):
    path = "/api/v1/passes"
    tags = ["passes"]

    @get(
        "/{code:str}/wallet/apple",
        summary="The pass for Apple Wallet (.pkpass)",
        media_type=PKPASS,
        dependencies=_HELD,
        opt={"wallet": "apple"},
    )
    async def apple_pass(self, state: State, db: DB, held: NamedDependency[str]) -> Response[bytes]:
        facts = await facts_of(db, state.settings, state.keyring, held)
        # signing and zipping are CPU work: off the event loop
        body = await heavy.run(apple.pkpass, state.wallets.apple, facts)
        headers = {
            "Content-Disposition": f'attachment; filename="tarif-bas-carbone-{held}.pkpass"',
            "Referrer-Policy": "no-referrer",
            **_PRIVATE,
        }
        return Response(body, media_type=PKPASS, headers=headers)

    @get(
        "/{code:str}/wallet/google",
        summary="A link that saves the pass to Google Wallet (with go=true, a 303 to it)",
        dependencies=_HELD,
        opt={"wallet": "google"},
    )
    async def google_pass(
        self,
        request: Request[Any, Any, Any],
        state: State,
        db: DB,
        held: NamedDependency[str],
        go: FromQuery[bool] = False,
    ) -> Response[GoogleSave] | Redirect:
        facts = await facts_of(db, state.settings, state.keyring, held)
        lang = request_lang(request)
        url = google.save_url(state.wallets.google, facts, state.settings.public_url, lang, int(time.time()))
        if go:  # a link in a page or a message: straight to Google Wallet
            return Redirect(url, status_code=303, headers=_PRIVATE)
        return Response(GoogleSave(url), headers=_PRIVATE)
