"""`tbc import-gtfs PATH.zip [--feed ID]`."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from service.core.commands import CommandContext, CommandError
from service.timetables.gtfs import GtfsError, check_feed_id


def default_feed_id(path: Path) -> str:
    """'SNCF TER Occitanie.zip' → 'sncf-ter-occitanie'."""
    return re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-_")[:40] or "feed"


def check_import_gtfs(args: argparse.Namespace) -> None:
    path = Path(args.path)
    if not path.is_file():
        raise CommandError(f"{path}: {'is a directory' if path.is_dir() else 'no such file'}")
    try:
        check_feed_id(args.feed or default_feed_id(path))
    except GtfsError as exc:
        raise CommandError(str(exc)) from exc


def cmd_import_gtfs(context: CommandContext, args: argparse.Namespace) -> int:
    from service.core.db import Connection
    from service.timetables.importer import ImportSummary, import_feed

    path = Path(args.path)
    feed_id = args.feed or default_feed_id(path)

    async def work(conn: Connection) -> ImportSummary:
        config = context.settings.config
        return await import_feed(
            conn, path, feed_id, boundary=config.territory.boundary.points, rules=config.rules.timetables
        )

    try:
        summary = context.on_database(work)
    except GtfsError as exc:
        print(f"error: {exc}; feed {feed_id!r} left as it was", file=sys.stderr)
        return 2
    print(
        f"imported feed {summary.feed_id} from {summary.file_name} in {summary.seconds:.1f} s: "
        f"{summary.stops} stops, {summary.routes} routes, {summary.trips} trips, "
        f"{summary.stop_times} stop times, {summary.calendars} calendars, "
        f"{summary.calendar_dates} calendar dates; {summary.arrival_stops} arrival stops added or updated"
    )
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("import-gtfs", help="import a GTFS feed, replacing the previous copy of that feed")
    parser.add_argument("path", metavar="PATH.zip", help="the GTFS zip archive")
    parser.add_argument("--feed", help="the feed's id (default: from the file name), e.g. lio or sncf-ter")
    parser.set_defaults(handler=cmd_import_gtfs, check=check_import_gtfs)
