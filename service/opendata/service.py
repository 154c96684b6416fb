"""The open uptake file, from the report rollups: the weeks nobody can still add to,
counted in one snapshot, withheld where small (table.py), kept a few minutes per server."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from service.core.clock import local_date, now
from service.opendata import repository, table
from service.reports import exports
from service.reports.service import Tally
from service.settings import Settings


def first_open_monday(settings: Settings, moment: datetime | None = None) -> date:
    """The Monday of the first week not published yet: a week is published once it is over
    in the Lot and a desk offline since its last day has had its whole window to sync
    (a scan counts on the day it was made, however late it arrives)."""
    window = timedelta(hours=settings.config.rules.scans.offline_window_hours)
    settled = local_date(settings, (moment or now()) - window)
    return settled - timedelta(days=settled.weekday())


async def tallies(
    conn: asyncpg.Connection, settings: Settings, before: date
) -> tuple[dict[tuple[date, str, str], Tally], dict[str, str]]:
    """(week Monday, OT id, mode) → what happened, for the weeks before `before`; the OTs' names."""
    factors = settings.config.factors
    cells: dict[tuple[date, str, str], Tally] = defaultdict(Tally)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for row in await repository.weekly_passes(conn, before):
            cells[row["monday"], row["ot_id"], row["mode"]].add_passes(row, factors)
        for row in await repository.weekly_uses(conn, before):
            cells[row["monday"], row["ot_id"], row["mode"]].add_uses(row)
        names = await repository.ot_names(conn)
    return cells, names


@dataclass(frozen=True)
class Published:
    rows: list[dict[str, Any]]
    csv: bytes
    etag: str
    through: date | None  # the last published week's Monday


async def publish(conn: asyncpg.Connection, settings: Settings) -> Published:
    before = first_open_monday(settings)
    cells, names = await tallies(conn, settings, before)
    rows = table.rows(cells, names, settings.config.rules.open_data.min_count)
    content = exports.to_csv(rows, columns=table.COLUMNS)
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    return Published(rows, content, etag, date.fromisoformat(rows[-1]["week_start"]) if rows else None)


class Publication:
    """One server's copy of the published file, made again after `ttl` seconds or when a
    week is added: a public URL must not cost a query per download."""

    def __init__(self, ttl: float) -> None:
        self._ttl = ttl
        self._made: tuple[float, date, Published] | None = None
        self._lock = asyncio.Lock()

    async def get(self, conn: asyncpg.Connection, settings: Settings) -> Published:
        async with self._lock:
            made, fresh = self._made, first_open_monday(settings)
            if made is None or time.monotonic() - made[0] >= self._ttl or made[1] != fresh:
                made = (time.monotonic(), fresh, await publish(conn, settings))
                self._made = made
            return made[2]
