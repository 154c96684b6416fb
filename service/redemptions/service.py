"""Redeeming a pass at a partner site: its persons, in one visit or several, never more.

Every answer, refusals included, is stored under the scanner's nonce with what it
records, atomically, so a replayed request gets the first answer and records nothing
new: an admission and its answer are one statement; a refusal and what it records (an
unknown code's count, an offline use's conflict), one transaction. The facts a scan is
judged by are read before, in one statement with any answer already stored.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from service.core import clock, metrics, observe, ratelimit
from service.core.errors import Problem
from service.core.i18n import End
from service.passes import codes
from service.passes.service import check_site_accepts, verify_token
from service.redemptions import repository
from service.reports import rollups
from service.settings import ScanRules, Settings
from service.signing.service import Keyring


@dataclass(frozen=True)
class Scan:
    """One use of a pass as a desk presents it."""

    nonce: str
    token: str | None
    code: str | None
    persons: int | None
    scanned_at: datetime | None
    device: str
    device_id: int | None = None
    source: str = "online"


@dataclass(frozen=True)
class Desk:
    account_id: int
    site_id: str


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class UnknownCodesLimited(Problem):
    """Too many unknown codes from this scanner: answered 429 and never stored under the
    nonce, so the scan can be tried again once the window has passed."""

    def __init__(self, counted: ratelimit.Count, scope: str) -> None:
        super().__init__(
            429,
            "redemption.unknown_codes_limited",
            headers={"Retry-After": str(counted.retry_after)},
            retry_after=counted.retry_after,
        )
        self.counted, self.scope = counted, scope


async def redeem(
    db: asyncpg.Connection,
    settings: Settings,
    keyring: Keyring,
    pool: asyncpg.Pool,
    folder: rollups.Folder,
    desk: Desk,
    scan: Scan,
    lang: str,
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) of the scan: recorded once, replayed for the same nonce; a use
    is folded into the report rollups once the request has answered."""
    outcome = metrics.REDEMPTIONS.labels
    presented = await _presented_code(scan, settings, keyring, pool)
    code = presented if isinstance(presented, str) else None
    stored, facts = await repository.scan_facts(db, desk.site_id, scan.nonce, code)
    try:
        if stored is not None:
            raise repository.NonceTaken
        status, body = await _answer(db, settings, desk, scan, facts if code else presented, lang)
    except repository.NonceTaken:
        outcome("replayed", scan.source).inc()
        return stored or await repository.stored_answer(db, desk.site_id, scan.nonce)
    except UnknownCodesLimited as limited:
        outcome(limited.code, scan.source).inc()
        await _alert_unknown_codes_burst(db, settings, desk, scan, limited)
        raise
    outcome("ok" if status < 400 else body["code"], scan.source).inc()
    if status == 201:
        await observe.after_answer(folder.fold)
    return status, body


class _NoRoom(Exception):
    """The pass's persons already in at the site leave no room for these (`_refuse_no_room`
    says which refusal, in the transaction that stores it)."""

    def __init__(self, pass_row: asyncpg.Record, persons: int) -> None:
        super().__init__()
        self.pass_row, self.persons = pass_row, persons


async def _answer(
    db: asyncpg.Connection,
    settings: Settings,
    desk: Desk,
    scan: Scan,
    found: repository.ScanFacts | Problem | None,
    lang: str,
) -> tuple[int, dict[str, Any]]:
    """The scan judged and recorded with its answer; `NonceTaken` when a scan with its
    nonce got there first (nothing recorded)."""
    try:
        return 201, await _use(db, settings, desk, scan, found)
    except _NoRoom as full:
        refused: Problem | _NoRoom = full
    except Problem as refusal:
        refused = refusal
    # a refusal that records more than its answer records it all or nothing
    recording = isinstance(refused, _NoRoom) or refused.code in UNKNOWN_CODES
    async with db.transaction() if recording else contextlib.nullcontext():
        if isinstance(refused, _NoRoom):
            refused = await _refuse_no_room(db, desk, scan, refused.pass_row, refused.persons)
        elif refused.code in UNKNOWN_CODES:
            await _charge_unknown_code(db, settings, desk, scan)  # past a limit: nothing stored
        status, body = refused.status, refused.body(lang, settings.config.territory.timezone)
        await repository.store_answer(db, desk.site_id, scan.nonce, desk.account_id, status, body)
    return status, body


# Refusals that mean the scanner presented no pass of ours: typos, guesses, forgeries.
UNKNOWN_CODES = frozenset({"pass.not_found", "pass.code_invalid", "pass.invalid"})


def _unknown_code_buckets(desk: Desk, scan: Scan, settings: Settings) -> list[tuple[str, str, int]]:
    """(scope, bucket, limit) of each count an unknown code is charged to."""
    limits = settings.config.rules.rate_limits
    buckets = [("account", f"unknown-codes:account:{desk.account_id}", limits.unknown_codes_per_account)]
    if scan.device_id is not None:
        buckets.insert(0, ("device", f"unknown-codes:device:{scan.device_id}", limits.unknown_codes_per_device))
    return buckets


async def _charge_unknown_code(db: asyncpg.Connection, settings: Settings, desk: Desk, scan: Scan) -> None:
    """Count one unknown code against the device and the account, in the transaction that
    stores the scan's refusal; past a limit the scan is refused, and its count rolls back
    with it."""
    window = settings.config.rules.rate_limits.unknown_codes_window_minutes * 60
    for scope, bucket, limit in _unknown_code_buckets(desk, scan, settings):
        counted = await ratelimit.count(db, bucket, window)
        if counted.hits > limit:
            raise UnknownCodesLimited(counted, scope)


async def _desk_alert(
    db: asyncpg.Connection,
    desk: Desk,
    scan: Scan,
    kind: str,
    *,
    details: dict[str, Any],
    pass_id: int | None = None,
    once_key: str | None = None,
) -> None:
    """An alert for the OT about what this desk's scanner did (once per `once_key`)."""
    await repository.insert_alert(
        db,
        kind=kind,
        site_id=desk.site_id,
        account_id=desk.account_id,
        device=scan.device,
        device_id=scan.device_id,
        pass_id=pass_id,
        details=details,
        once_key=once_key,
    )


async def _alert_unknown_codes_burst(
    db: asyncpg.Connection, settings: Settings, desk: Desk, scan: Scan, limited: UnknownCodesLimited
) -> None:
    """One alert per scanner and window for the OT."""
    limits = settings.config.rules.rate_limits
    scanner = f"device:{scan.device_id}" if limited.scope == "device" else f"account:{desk.account_id}"
    await _desk_alert(
        db,
        desk,
        scan,
        "unknown_codes_burst",
        details={
            "scope": limited.scope,
            "unknown_codes": limited.counted.hits - 1,
            "window_minutes": limits.unknown_codes_window_minutes,
            "window_start": _iso(limited.counted.window_start),
        },
        once_key=f"unknown_codes_burst:{scanner}:{limited.counted.window_start.isoformat()}",
    )


async def _presented_code(scan: Scan, settings: Settings, keyring: Keyring, pool: asyncpg.Pool) -> str | Problem:
    """The code of the pass the scan presents (its token checked, or the typed code
    normalised), or why it presents none: an answer the scan stores like the others."""
    try:
        if scan.token is not None:
            # expired or early tokens still name their pass: the stored pass says which, below
            return (await verify_token(scan.token, settings, keyring, pool)).code
    except Problem as refusal:
        return refusal
    return codes.normalise(scan.code or "") or Problem(422, "pass.code_invalid")


def check_scan_moment(scanned_at: datetime | None, now: datetime, rules: ScanRules) -> None:
    """A desk's clock is believed within bounds: not ahead of ours beyond the skew, not
    older than the offline window (year 1 and 9999 are neither)."""
    if scanned_at is None:
        return
    if scanned_at > now + timedelta(seconds=rules.max_clock_skew_seconds):
        raise Problem(422, "redemption.scanned_in_future", scanned_at=scanned_at.isoformat())  # may not fit in UTC
    if scanned_at < now - timedelta(hours=rules.offline_window_hours):
        raise Problem(422, "redemption.scan_too_old", offline_window_hours=rules.offline_window_hours)


async def _use(
    db: asyncpg.Connection, settings: Settings, desk: Desk, scan: Scan, found: repository.ScanFacts | Problem | None
) -> dict[str, Any]:
    """The scan admitted and its answer stored (`repository.admit`): the answer; else the
    refusal raised (`_NoRoom` when the pass's persons are all in), nothing written."""
    check_scan_moment(scan.scanned_at, clock.now(), settings.config.rules.scans)
    pass_row, site = _presented_pass(scan, found)
    # An offline scan is judged at the moment it was made (never later than now):
    # a pass valid then, and not yet revoked then, was rightly accepted at the desk.
    now = clock.now()
    moment = min(scan.scanned_at, now) if scan.source == "sync" and scan.scanned_at else now
    known_at = None
    if pass_row["revoked_at"] is not None and pass_row["revoked_at"] > moment:
        known_at = await repository.revocations_known_at(db, desk.account_id, scan.device_id)
    revoked_unknown_to_desk = check_pass_at(pass_row, moment, known_at)

    if site is None or not site["active"]:
        raise Problem(403, "site.inactive")
    check_site_accepts(site, pass_row, clock.local_date(settings, moment))

    persons = persons_to_admit(scan.persons, pass_row["persons"], pass_row["admitted"])
    booking = await repository.active_booking(db, pass_row["id"], desk.site_id) if site["bookable"] else None
    if site["booking_required"] and booking is None:
        raise Problem(409, "booking.required")

    declared = _declared(pass_row) if pass_row["confidence"] == "plausible" else None
    answer = _admitted_answer(pass_row, scan, site, declared, booking)
    # Atomic under concurrency: the row lock of the upsert makes two desks admitting the
    # last persons at once add up one after the other, never past the pass's persons. The
    # rare alert of an offline scan of a revoked pass is written with its admission.
    async with db.transaction() if revoked_unknown_to_desk else contextlib.nullcontext():
        body = await repository.admit(
            db,
            pass_id=pass_row["id"],
            site_id=desk.site_id,
            account_id=desk.account_id,
            device=scan.device,
            device_id=scan.device_id,
            persons=persons,
            most=pass_row["persons"],
            source=scan.source,
            scanned_at=scan.scanned_at,
            nonce=scan.nonce,
            answer=answer,
        )
        if body is None:
            raise _NoRoom(pass_row, persons)
        if revoked_unknown_to_desk:
            await _alert_revoked_accepted_offline(db, desk, scan, pass_row, known_at)
    return body


def _presented_pass(scan: Scan, found: repository.ScanFacts | Problem | None) -> repository.ScanFacts:
    """The pass the scan presents and the desk's site (`repository.scan_facts` read them),
    else why it presents none (`_presented_code`)."""
    if isinstance(found, Problem):
        raise found
    if found is None:
        # a genuine signature over an unknown pass means the token is not ours to honour
        raise Problem(422, "pass.invalid") if scan.token is not None else Problem(404, "pass.not_found")
    return found


def check_pass_at(pass_row: Any, moment: datetime, revocations_known_at: datetime | None) -> bool:
    """The pass valid at `moment` (revoked, expired and not-yet-valid refused); True when it
    was revoked after `moment` but before the desk's last revocation list: accepted, and
    told to the OT. No I/O."""
    revoked_at = pass_row["revoked_at"]
    if revoked_at is not None:
        if revoked_at <= moment:
            raise Problem(410, "pass.revoked")
        # ...unless the desk had fetched the revocation list since: it could have known
        if revocations_known_at is not None and revoked_at <= revocations_known_at:
            raise Problem(410, "pass.revoked")
    if moment >= pass_row["valid_until"]:
        raise Problem(410, "pass.expired", valid_until=End(pass_row["valid_until"]))
    if moment < pass_row["valid_from"]:
        raise Problem(422, "pass.not_yet_valid", valid_from=pass_row["valid_from"])
    return revoked_at is not None


def persons_to_admit(asked: int | None, pass_persons: int, admitted_before: int) -> int:
    """Those the desk asks for, or by default those of the pass not yet in (one at least). No I/O."""
    persons = asked if asked is not None else max(pass_persons - admitted_before, 1)
    if persons > pass_persons:
        raise Problem(422, "redemption.too_many_persons", persons=pass_persons)
    return persons


async def _alert_revoked_accepted_offline(
    db: asyncpg.Connection, desk: Desk, scan: Scan, pass_row: Any, known_at: datetime | None
) -> None:
    await _desk_alert(
        db,
        desk,
        scan,
        "revoked_pass_accepted_offline",
        pass_id=pass_row["id"],
        details={
            "revoked_at": _iso(pass_row["revoked_at"]),
            "scanned_at": _iso(scan.scanned_at) if scan.scanned_at else None,
            "revocations_known_at": _iso(known_at) if known_at else None,
        },
    )


# Where the answer's `redemption` goes in its JSON text: random, so no text of a pass or
# an offer can stand for it.
_REDEMPTION = secrets.token_hex(16)


def _admitted_answer(pass_row: Any, scan: Scan, site: Any, declared: Any, booking: Any) -> tuple[str, str]:
    """The 201 body of an admission (docs/API.md) as JSON text before and after its
    `redemption`, which the admission writes (`repository.admit`). No I/O."""
    body: dict[str, Any] = {
        "status": "ok",
        "pass": {
            "code": pass_row["code"],
            "persons": pass_row["persons"],
            "mode": pass_row["mode"],
            "confidence": pass_row["confidence"],
            "valid_until": _iso(pass_row["valid_until"]),
        },
        "redemption": _REDEMPTION,
        "offer": {"label": site["offer_label"], **(site["offer_details"] or {})} if site["offer_label"] else None,
    }
    if declared is not None:
        body["pass"]["declared"] = declared
    if booking is not None:
        body["booking"] = {
            "id": booking["id"],
            "slot_id": booking["slot_id"],
            "persons": booking["persons"],
            "start": _iso(booking["starts_at"]),
            "end": _iso(booking["ends_at"]),
        }
    before, after = msgspec.json.encode(body).decode().split(f'"{_REDEMPTION}"')
    return before, after


async def _refuse_no_room(
    db: asyncpg.Connection, desk: Desk, scan: Scan, pass_row: asyncpg.Record, persons: int
) -> Problem:
    """Which refusal when the pass's persons already in leave no room for these: all of
    them (409 `redemption.already_redeemed`) or too many for those left
    (`redemption.persons_already_in`). A synced offline use from another desk is kept as a
    conflict for the OT."""
    first = await repository.existing(db, pass_row["id"], desk.site_id)
    if scan.source == "sync" and first["device"] != scan.device:
        await repository.insert_conflict(
            db,
            redemption_id=first["id"],
            account_id=desk.account_id,
            device=scan.device,
            device_id=scan.device_id,
            persons=persons,
            scanned_at=scan.scanned_at,
        )
    facts = {
        "first": {"redeemed_at": _iso(first["redeemed_at"]), "device": first["device"], "persons": first["persons"]},
        "admitted": first["persons"],
        "pass_code": pass_row["code"],
        "pass_persons": pass_row["persons"],
    }
    left = pass_row["persons"] - first["persons"]
    if left <= 0:
        return Problem(
            409, "redemption.already_redeemed", redeemed_at=first["redeemed_at"], device=first["device"], **facts
        )
    return Problem(409, "redemption.persons_already_in", left=left, **facts)


def _declared(row: Any) -> dict[str, Any]:
    """A plausible pass's declared trip, for « ask to see the ticket »."""
    return {
        "method": row["method"],
        "line": row["line"],
        "arrival_stop": row["arrival_stop"],
        "arrival_date": row["arrival_date"].isoformat(),
        "arrival_time": row["arrival_time"],
    }


# What an offline scanner learns of each queued use.
SYNC_OK, SYNC_DUPLICATE, SYNC_CONFLICT, SYNC_REJECTED = "ok", "duplicate", "conflict", "rejected"
# Refusals that mean the persons already in leave no room for this use.
NO_ROOM = frozenset({"redemption.already_redeemed", "redemption.persons_already_in"})


def sync_result(nonce: str, device: str, status: int, body: dict[str, Any]) -> dict[str, Any]:
    """One item's answer: `duplicate` when this device had already recorded the use,
    `conflict` when another device had admitted the persons these would go past."""
    if status == 201:
        return {"nonce": nonce, "status": SYNC_OK, "redemption": body["redemption"]}
    if body.get("code") in NO_ROOM and body["first"]["device"] != device:
        return {"nonce": nonce, "status": SYNC_CONFLICT, "code": body["code"], "first": body["first"]}
    if body.get("code") == "redemption.already_redeemed":
        return {"nonce": nonce, "status": SYNC_DUPLICATE, "code": body["code"], "first": body["first"]}
    return {"nonce": nonce, "status": SYNC_REJECTED, "code": body.get("code"), "detail": body.get("detail")}


async def open_conflicts(db: asyncpg.Connection, scope: str | None, *, limit: int = 500) -> list[asyncpg.Record]:
    """The offline-scan conflicts of `scope` not yet acknowledged."""
    return await repository.conflicts(db, scope, "open", limit=limit)
