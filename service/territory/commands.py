"""`tbc import-sites FILE.toml`: partner sites and offers from a file (idempotent)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.core.commands import CommandContext


def cmd_import_sites(context: CommandContext, args: argparse.Namespace) -> int:
    from service.core import audit
    from service.core.db import Connection
    from service.territory import repository
    from service.territory.sites import SitesFileError, read_sites_file

    path = Path(args.path)

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
        "import-sites", help="create or update partner sites and their offers from a TOML file (idempotent)"
    )
    parser.add_argument("path", metavar="FILE.toml", help="[[sites]] tables, as in config/demo.toml")
    parser.set_defaults(handler=cmd_import_sites)
