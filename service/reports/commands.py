"""`tbc check-reports`: the report rollups against the raw data; `tbc load-history`: a
bulk load of passes and uses without per-row rollup work, the rollups rebuilt at its end."""

from __future__ import annotations

import argparse
import sys

from service.core.commands import CommandContext


def cmd_check_reports(context: CommandContext, args: argparse.Namespace) -> int:
    from service.core.db import Connection
    from service.reports import repository

    async def work(conn: Connection) -> int:
        if args.rebuild:
            await repository.rebuild(conn)
        return await repository.differences(conn)

    differences = context.on_database(work)
    if differences:
        print(
            f"error: {differences} rollup rows differ from a recount; run `tbc check-reports --rebuild`",
            file=sys.stderr,
        )
        return 1
    print("report rollups " + ("rebuilt and " if args.rebuild else "") + "equal to a recount of passes and uses")
    return 0


def cmd_load_history(context: CommandContext, args: argparse.Namespace) -> int:
    from pathlib import Path

    from service.core.db import Connection
    from service.reports import repository

    sql = Path(args.file).read_text()
    counted = "SELECT (SELECT count(*) FROM passes), (SELECT count(*) FROM redemptions)"

    async def work(conn: Connection) -> tuple[tuple[int, int], tuple[int, int]]:
        before = tuple(await conn.fetchrow(counted))
        async with repository.bulk_load(conn):
            await conn.execute(sql)
        return before, tuple(await conn.fetchrow(counted))  # type: ignore[return-value]

    (passes, uses), (passes_after, uses_after) = context.on_database(work)
    print(f"loaded {passes_after - passes} passes and {uses_after - uses} uses; report rollups rebuilt")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("check-reports", help="compare the report rollups with a recount (and rebuild them)")
    parser.add_argument("--rebuild", action="store_true", help="reload the rollups from the raw tables first")
    parser.set_defaults(handler=cmd_check_reports)
    history = commands.add_parser(
        "load-history", help="run a SQL file of passes and uses in one transaction, then rebuild the report rollups"
    )
    history.add_argument("file", help="SQL statements (INSERT … or COPY … FROM a server-side file)")
    history.set_defaults(handler=cmd_load_history)
