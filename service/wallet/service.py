"""A pass's wallet files for its holder: the facts read once (the pass, its token, its
arrival stop, the sites that take it nearest first), then the Apple or Google file. A
revoked or ended pass gets none (410), whatever a wallet still shows: the desk asks the
server, or its revocation list, never the wallet."""

from __future__ import annotations

import asyncpg

from service.core import clock
from service.core.errors import Problem
from service.passes import codes
from service.passes import repository as passes_repository
from service.passes import service as passes
from service.settings import Settings
from service.signing.service import Keyring
from service.wallet.facts import SiteLine, WalletFacts


async def facts_of(db: asyncpg.Connection, settings: Settings, keyring: Keyring, code: str) -> WalletFacts:
    row = await passes_repository.by_code(db, code)
    if row is None:
        raise Problem(404, "pass.not_found")
    if row["revoked_at"] is not None:
        raise Problem(410, "pass.revoked", pass_code=codes.display(row["code"]))
    if clock.now() >= row["valid_until"]:
        raise Problem(
            410, "pass.expired", valid_until=row["valid_until"].isoformat(), pass_code=codes.display(row["code"])
        )
    stop = await passes.arrival_stop(db, row)
    sites = await passes.sites_today(db, settings, row, stop)
    return WalletFacts(
        code=row["code"],
        code_display=codes.display(row["code"]),
        token=passes.token_for(passes.claims_of(row), settings, keyring),
        persons=row["persons"],
        mode=row["mode"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        arrival=stop["name"] if stop is not None else None,
        sites=tuple(SiteLine(site.name, site.lat, site.lon, site.offer.get("label")) for site in sites),
    )
