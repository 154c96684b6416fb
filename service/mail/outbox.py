"""Sending the outbox: a task per process takes due messages (SKIP LOCKED, so
processes share the queue), composes each in its visitor's language, and sends it
by SMTP (aiosmtplib) or, with no SMTP host, writes it under data_dir/mail/. What a
message says of its pass (code, link, QR) comes from the passes domain, handed in by
the application as `PassFactsOf` (mail sits below passes: passes queue mail)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import asyncpg

from service.mail import compose, repository
from service.settings import Settings

log = logging.getLogger("service.mail")
BATCH = 20

# The pass facts of a queued message's row (its pass's columns, `lang`), in that language.
PassFactsOf = Callable[[asyncpg.Record], compose.PassFacts]


def mail_dir(settings: Settings) -> Path:
    return settings.data_dir / "mail"


async def deliver(message: EmailMessage, settings: Settings) -> None:
    if settings.smtp_host is None:
        folder = mail_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("/", "_").replace("@", "_at_")
        await asyncio.to_thread((folder / f"{name}.eml").write_bytes, message.as_bytes())
        return
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=30,
    )


def _compose(row: asyncpg.Record, settings: Settings, pass_facts: PassFactsOf) -> EmailMessage | None:
    lang, to = row["lang"], row["email"]
    if not to:
        return None  # forgotten meanwhile (tbc purge): nothing to send
    zone = settings.config.territory.timezone
    retention = settings.config.rules.privacy.email_retention_days
    sender = settings.smtp_from
    facts = pass_facts(row) if row["code"] is not None else None
    if row["kind"] == "pass_issued" and facts is not None:
        return compose.pass_issued(sender, to, lang, zone, facts, retention)
    if row["kind"] == "pass_sent_again" and facts is not None:
        return compose.pass_sent_again(sender, to, lang, zone, facts, retention)
    if row["kind"] == "review_decided":
        if row["review_status"] == "accepted" and facts is not None:
            return compose.review_accepted(sender, to, lang, zone, facts, retention)
        if row["review_status"] == "rejected":
            home = f"{settings.public_url.rstrip('/')}/?lang={lang}"
            return compose.review_rejected(sender, to, lang, row["review_reason"], home)
    return None


async def drain_once(pool: asyncpg.Pool, settings: Settings, pass_facts: PassFactsOf) -> int:
    """Send what is due; returns how many were sent."""
    sent = 0
    async with pool.acquire() as conn, conn.transaction():
        for row in await repository.take_due(conn, BATCH):
            try:
                message = _compose(row, settings, pass_facts)
                if message is not None:
                    await deliver(message, settings)
            except (aiosmtplib.SMTPException, OSError) as exc:
                log.warning("mail %s not sent (attempt %s): %s", row["id"], row["attempts"] + 1, exc)
                await repository.mark_failed(conn, row["id"], str(exc))
                continue
            await repository.mark_sent(conn, row["id"])
            sent += message is not None
    return sent


def wake(state: Any) -> None:
    """Tell this process's sender that a message was queued (others find it at their next look)."""
    event = getattr(state, "mail_wakeup", None)
    if event is not None:
        event.set()


async def run(pool: asyncpg.Pool, settings: Settings, pass_facts: PassFactsOf, wakeup: asyncio.Event) -> None:
    """The sender task: drains at each wake-up and every `mail_poll_seconds`."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), settings.mail_poll_seconds)
        wakeup.clear()
        try:
            while await drain_once(pool, settings, pass_facts) == BATCH:
                pass
        except asyncio.CancelledError:
            raise
        except Exception:  # the sender must outlive a bad moment (database restart …)
            log.exception("mail outbox: drain failed")
