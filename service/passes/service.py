"""Issuing passes and checking the token a pass holder presents."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from service.core import ratelimit
from service.core.clock import local_date
from service.core.errors import Problem
from service.core.i18n import term
from service.mail import compose
from service.mail import repository as mail
from service.passes import codes, qr, repository, tokens
from service.passes.qr_links import QrLinks
from service.passes.repository import NewPass
from service.passes.views import SiteForPass, wallet_opening
from service.settings import Settings
from service.signing.service import Keyring
from service.territory import guide


@dataclass(frozen=True)
class IssuedPass:
    id: int
    code: str
    token: str
    claims: tokens.PassClaims
    method: str
    # what was and was not checked, for the visitor (e.g. timetable_checked)
    checks: dict[str, bool] = field(default_factory=dict)
    # given back to a proof sent again, not issued now
    again: bool = False


def validity(
    arrival_date: date, claim_day: date, validity_days: int, tz: ZoneInfo, *, waited: bool = False
) -> tuple[datetime, datetime]:
    """From the start of the arrival day to the end of its `validity_days`-th day, local
    time, as the pages promise: the same arrival ends the same day whatever the hour or
    the day of the claim. A trip claimed after that (a site may take arrivals up to
    `max_proof_age_days` old) gives a pass for the claim's day: never one already expired.
    A proof that `waited` for a person counts its days from the approval (`claim_day`)
    when that is later than the arrival: the wait is ours, not the visitor's."""
    start = datetime.combine(arrival_date, time(0), tz)
    first_day = max(arrival_date, claim_day) if waited else arrival_date
    last_day = max(first_day + timedelta(days=validity_days - 1), claim_day)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


async def issue(
    conn: asyncpg.Connection, settings: Settings, keyring: Keyring, new: NewPass, *, reviewed: bool = False
) -> IssuedPass:
    """Store a pass for an accepted proof and sign its token (inside the caller's transaction).
    The claim day is the day of issuance: a claim's, or a reviewer's approval (`reviewed`)."""
    rules = settings.config.rules.passes
    await keyring.refresh(conn, settings.keyring_refresh_seconds)
    valid_from, valid_until = validity(
        new.arrival_date,
        local_date(settings),
        rules.validity_days,
        ZoneInfo(settings.config.territory.timezone),
        waited=reviewed,
    )
    kid = keyring.current.kid
    row = await codes.insert_with_new_code(
        lambda code: repository.insert(conn, new, code=code, kid=kid, valid_from=valid_from, valid_until=valid_until)
    )
    claims = tokens.PassClaims(
        row["code"], new.persons, new.mode, new.confidence, row["valid_from"], row["valid_until"]
    )
    return IssuedPass(row["id"], row["code"], token_for(claims, settings, keyring), claims, new.method)


async def of_proof(conn: asyncpg.Connection, settings: Settings, keyring: Keyring, proof_id: int) -> IssuedPass | None:
    """The pass a proof gave, with its token signed again for the phone asking; a revoked
    pass is refused (410), never handed out again."""
    row = await repository.by_proof(conn, proof_id)
    if row is None:
        return None
    if row["revoked_at"] is not None:
        raise Problem(410, "pass.revoked")
    await keyring.refresh(conn, settings.keyring_refresh_seconds)
    claims = claims_of(row)
    return IssuedPass(row["id"], row["code"], token_for(claims, settings, keyring), claims, row["method"], again=True)


# An address gets each of its passes again at most this often.
RESEND_QUIET_MINUTES = 15


async def send_again(conn: asyncpg.Connection, email: str) -> None:
    """« I already have a pass »: the passes issued to `email` that still hold are sent to
    it again, each in its own language. Nothing tells the caller whether there were any."""
    async with conn.transaction():
        for row in await repository.to_send_again(conn, email, RESEND_QUIET_MINUTES):
            await mail.enqueue(conn, "pass_sent_again", row["lang"], pass_id=row["id"])


async def send_again_asked(
    db: asyncpg.Connection, settings: Settings, client_bucket: str, email: str, wake_mail: Callable[[], None]
) -> None:
    """« Send my pass again », from the API or the pass page: counted against the client's
    hourly limit, then queued and the mail sender woken."""
    await ratelimit.hit(db, client_bucket, settings.config.rules.rate_limits.pass_resends_per_hour, window_seconds=3600)
    await send_again(db, email)
    wake_mail()


def claims_of(row: asyncpg.Record) -> tokens.PassClaims:
    return tokens.PassClaims(
        row["code"], row["persons"], row["mode"], row["confidence"], row["valid_from"], row["valid_until"]
    )


def token_for(claims: tokens.PassClaims, settings: Settings, keyring: Keyring) -> str:
    """The token of a stored pass, signed again (Ed25519 signatures are deterministic:
    the same key and claims give the same token)."""
    rules = settings.config.rules.passes
    return tokens.sign(claims, keyring.current, rules.issuer, rules.audience)


async def verify_token(token: str, settings: Settings, keyring: Keyring, pool: asyncpg.Pool) -> tokens.PassClaims:
    """Claims of a token whose signature, issuer and audience hold (expiry is the caller's concern)."""
    rules = settings.config.rules.passes
    try:
        kid = tokens.unverified_kid(token)
        key = await keyring.find(pool, kid)
        return tokens.verify(token, key, rules.issuer, rules.audience)
    except tokens.TokenRefused as refused:
        if refused.claims is None:
            raise Problem(422, "pass.invalid") from refused
        return refused.claims


async def holder_claims(
    code: str, token: str | None, settings: Settings, keyring: Keyring, pool: asyncpg.Pool
) -> tokens.PassClaims:
    """The pass holder proves they hold `code` by presenting its token."""
    canonical = codes.normalise(code)
    if canonical is None:
        raise Problem(404, "pass.not_found")
    if not token:
        raise Problem(401, "pass.token_required", headers={"WWW-Authenticate": "Bearer"})
    claims = await verify_token(token, settings, keyring, pool)
    if claims.code != canonical:
        raise Problem(403, "auth.forbidden")
    return claims


def check_site_accepts(site: Mapping[str, Any], pass_row: Mapping[str, Any], visit_day: date) -> None:
    """The site's own rules for a pass used (or booked) on `visit_day`: its modes, the
    confidence it asks for, and how old an arrival it still takes."""
    if pass_row["mode"] not in site["modes"]:
        raise Problem(403, "site.mode_not_accepted", mode=term(pass_row["mode"]))
    if site["min_confidence"] == "verified" and pass_row["confidence"] != "verified":
        raise Problem(403, "site.confidence_too_low")
    if (visit_day - pass_row["arrival_date"]).days > site["proof_max_age_days"]:
        raise Problem(403, "site.proof_too_old", days=site["proof_max_age_days"])


async def arrival_stop(db: asyncpg.Connection, pass_row: asyncpg.Record) -> asyncpg.Record | None:
    """The stop the pass's holder arrived at (None: a ride, or a stop since removed)."""
    return await guide.stop(db, pass_row["arrival_stop_id"]) if pass_row["arrival_stop_id"] else None


async def sites_today(
    db: asyncpg.Connection, settings: Settings, pass_row: asyncpg.Record, stop: asyncpg.Record | None
) -> list[SiteForPass]:
    """The active sites that take this pass today by the desk's own rules (`check_site_accepts`),
    nearest its arrival `stop` first, each with what its hours say of today."""
    today = local_date(settings)
    found = []
    for entry in await guide.where_to_go(db, settings, mode=pass_row["mode"], near=stop):
        site = entry.site
        rules = {
            "modes": site.modes,
            "min_confidence": site.min_confidence,
            "proof_max_age_days": site.proof_max_age_days,
        }
        try:
            check_site_accepts(rules, pass_row, today)
        except Problem:
            continue
        km = round(entry.km, 1) if entry.km is not None else None
        booking = (site.bookable, site.booking_required)
        found.append(SiteForPass(site.id, site.name, site.offer, *booking, site.lat, site.lon, km, entry.today))
    return found


def pass_link(settings: Settings, token: str, lang: str) -> str:
    """The pass page with its token in the fragment: the browser never sends it to the server."""
    return f"{settings.public_url.rstrip('/')}/pass?lang={lang}#{token}"


def mail_facts(
    settings: Settings, keyring: Keyring, links: QrLinks, wallets: tuple[str, ...] = ()
) -> Callable[[asyncpg.Record], compose.PassFacts]:
    """What a queued message says of its pass (mail.outbox.PassFactsOf): a row with the
    pass's columns and the message's `lang`; its wallet links last as long as the pass."""

    def facts(row: asyncpg.Record) -> compose.PassFacts:
        token = token_for(claims_of(row), settings, keyring)
        until = int(row["valid_until"].timestamp())
        base = settings.public_url.rstrip("/")
        return compose.PassFacts(
            codes.display(row["code"]),
            row["persons"],
            row["valid_from"],
            row["valid_until"],
            pass_link(settings, token, row["lang"]),
            qr.png(token),
            {wallet: base + wallet_opening(links.wallet_url(row["code"], wallet, until), wallet) for wallet in wallets},
        )

    return facts


async def by_code(db: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    """The stored pass of a (canonical) code, for the faces that show it."""
    return await repository.by_code(db, code)
