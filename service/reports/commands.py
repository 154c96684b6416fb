"""`tbc check-reports` and `tbc rebuild-reports`: the report rollups against the raw data."""

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


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("check-reports", help="compare the report rollups with a recount (and rebuild them)")
    parser.add_argument("--rebuild", action="store_true", help="reload the rollups from the raw tables first")
    parser.set_defaults(handler=cmd_check_reports)
