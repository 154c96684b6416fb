"""`tbc purge`: enforce the retention rules of `[privacy]` in config/rules.toml."""

from __future__ import annotations

import argparse

from service.core.commands import CommandContext
from service.settings import Settings


async def purge(conn, settings: Settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from service.core import audit
    from service.mail import repository as mail
    from service.privacy import repository

    rules = settings.config.rules.privacy
    async with conn.transaction():
        done = {
            "stale_reviews_closed": await repository.close_stale_reviews(conn, rules.photo_retention_days),
            "photos_deleted": await repository.orphan_photos(conn),
            "emails_forgotten": await repository.forget_emails(conn, rules.email_retention_days),
            "scan_answers_deleted": await repository.old_scan_answers(conn, rules.scan_retention_days),
            "scan_alerts_deleted": await repository.old_scan_alerts(conn, rules.scan_retention_days),
            "rate_windows_deleted": await repository.old_rate_windows(conn),
            "sign_in_traces_deleted": await repository.old_sign_in_traces(conn, rules.scan_retention_days),
            "reuse_signatures_deleted": await repository.old_reuse_signatures(conn, rules.reuse_window_days),
            "audit_entries_deleted": await repository.old_audit_entries(conn, rules.audit_retention_days),
            "mail_deleted": await mail.forget_old(conn, rules.email_retention_days),
        }
        await audit.record(conn, "privacy.purged", "database", "retention", details=done)
    return done


def cmd_purge(context: CommandContext, args: argparse.Namespace) -> int:
    for name, count in context.on_database(lambda conn: purge(conn, context.settings)).items():
        print(f"{name}: {count}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("purge", help="enforce data retention (run daily)").set_defaults(handler=cmd_purge)
