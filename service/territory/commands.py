"""`tbc import-sites FILE`: partner sites from a TOML file of `[[sites]]` (with their
offers), or from a DATAtourisme export (JSON-LD), told apart by content. Idempotent."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from service.core.commands import CommandContext

# A DATAtourisme export of a whole department fits; past this, split it.
MAX_EXPORT_BYTES = 256 * 1024 * 1024


def cmd_import_sites(context: CommandContext, args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        with path.open("rb") as file:
            head = file.read(4096).lstrip()
    except OSError as exc:
        print(f"error: {path}: cannot read: {exc}; nothing imported", file=sys.stderr)
        return 2
    if _is_json(head):
        return _import_export(context, args, path)
    if args.ot or args.dry_run:
        print("error: --ot and --dry-run are for DATAtourisme exports (JSON-LD)", file=sys.stderr)
        return 2
    return _import_toml(context, path)


def _is_json(head: bytes) -> bool:
    """A JSON-LD export starts an object or a list of them; a TOML file of sites, `[[sites]]`."""
    return head[:1] == b"{" or re.match(rb"\[\s*[{\]]", head) is not None


def _import_export(context: CommandContext, args: argparse.Namespace, path: Path) -> int:
    from service.core.db import Connection
    from service.territory import repository
    from service.territory.datatourisme import SKIP_REASONS, ExportError, read_export
    from service.territory.sit_import import OUTCOMES, Outcome, import_records

    territory = context.settings.config.territory
    if path.stat().st_size > MAX_EXPORT_BYTES:
        print(f"error: {path}: larger than {MAX_EXPORT_BYTES // 2**20} MiB; nothing imported", file=sys.stderr)
        return 2
    try:
        records = read_export(path.read_bytes())
    except ExportError as exc:
        print(f"error: {path}: {exc}; nothing imported", file=sys.stderr)
        return 2

    async def work(conn: Connection) -> list[Outcome] | str:
        if args.ot and args.ot not in await repository.ot_ids(conn):
            return f"unknown OT {args.ot!r}"
        rules = context.settings.config.rules.sites
        return await import_records(
            conn, records, territory, rules, fallback_ot=args.ot, scope=None, dry_run=args.dry_run, source=path.name
        )

    outcomes = context.on_database(work)
    if isinstance(outcomes, str):
        print(f"error: {outcomes}; nothing imported", file=sys.stderr)
        return 2
    for done in outcomes:
        what = f"skipped: {SKIP_REASONS[done.reason or '']}" if done.outcome == "skipped" else done.outcome
        site = f" → {done.site_id} ({done.ot})" if done.site_id else ""
        print(f"{done.sit_id}  {done.name or '–'}{site}: {what}")
    counts = {what: sum(1 for done in outcomes if done.outcome == what) for what in OUTCOMES}
    summary = ", ".join(f"{counts[what]} {what}" for what in OUTCOMES)
    verb = "would import" if args.dry_run else "imported"
    print(
        f"{verb} {len(outcomes)} records from {path.name}: {summary}"
        + (" (dry run: nothing written)" if args.dry_run else "")
    )
    return 0


def _import_toml(context: CommandContext, path: Path) -> int:
    from service.core import audit
    from service.core.db import Connection
    from service.territory import repository
    from service.territory.sites import SitesFileError, read_sites_file

    async def work(conn: Connection) -> dict[str, str]:
        sites = read_sites_file(path, await repository.ot_ids(conn))
        async with conn.transaction():
            fate = await repository.upsert_sites(conn, sites, context.settings.config.rules.sites)
            for site_id, what in fate.items():
                if what != "unchanged":
                    await audit.record(conn, f"site.{what}", "site", site_id, actor="cli", details={"file": path.name})
        return fate

    try:
        fate = context.on_database(work)
    except SitesFileError as exc:
        print(f"error: {exc}; nothing imported", file=sys.stderr)
        return 2
    counts = {what: sum(1 for value in fate.values() if value == what) for what in ("created", "updated", "unchanged")}
    print(
        f"imported {len(fate)} sites from {path.name}: "
        f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import-sites",
        help="create or update partner sites from a TOML file or a DATAtourisme export (JSON-LD; idempotent)",
    )
    parser.add_argument(
        "path", metavar="FILE", help="[[sites]] tables as in config/demo.toml, or a DATAtourisme export (.json/.jsonld)"
    )
    parser.add_argument(
        "--ot", metavar="ID", help="the OT of the records whose commune config/territory.toml does not place"
    )
    parser.add_argument("--dry-run", action="store_true", help="say what the import would do, and write nothing")
    parser.set_defaults(handler=cmd_import_sites)
