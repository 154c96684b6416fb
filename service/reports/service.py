"""The uptake report: passes, persons, uses, uptake rate and CO2 avoided, in
total and by mode, method, arrival stop, week or site."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from service.reports import co2, repository
from service.settings import FactorsConfig


@dataclass
class _Tally:
    passes: int = 0
    persons: int = 0
    used: int = 0
    co2_kg: float = 0.0
    redemptions: int = 0
    redeemed_persons: int = 0
    redeemed_passes: int = 0
    label: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        return {
            "passes": self.passes,
            "persons": self.persons,
            "passes_used": self.used,
            "uptake_rate": round(self.used / self.passes, 4) if self.passes else None,
            "redemptions": self.redemptions,
            "redeemed_persons": self.redeemed_persons,
            "co2_avoided_kg": round(self.co2_kg, 1),
        }


def _add_passes(tally: _Tally, row: asyncpg.Record, factors: FactorsConfig) -> None:
    tally.passes += row["passes"]
    tally.persons += row["passes"] * row["persons"]
    tally.used += row["used"]
    tally.co2_kg += row["passes"] * co2.avoided_kg(row["mode"], row["persons"], row["trip_km"], factors)


def _add_redemptions(tally: _Tally, row: asyncpg.Record) -> None:
    tally.redemptions += row["redemptions"]
    tally.redeemed_persons += row["persons"] or 0
    tally.redeemed_passes += row["passes"]


async def uptake(
    conn: asyncpg.Connection,
    *,
    ot_id: str | None,
    start: date,
    end: date,
    group_by: str | None,
    tz: str,
    factors: FactorsConfig,
) -> dict[str, Any]:
    totals = _Tally()
    for row in await repository.pass_groups(conn, ot_id, start, end, tz, None):
        _add_passes(totals, row, factors)
    for row in await repository.redemption_groups(conn, ot_id, start, end, tz, None):
        _add_redemptions(totals, row)

    rows: list[dict[str, Any]] = []
    if group_by is not None:
        groups: dict[str, _Tally] = defaultdict(_Tally)
        if group_by == "site":
            for site in await repository.scope_sites(conn, ot_id):
                groups[site["id"]].label = site["name"]
        else:
            for row in await repository.pass_groups(conn, ot_id, start, end, tz, group_by):
                _add_passes(groups[row["key"]], row, factors)
        for row in await repository.redemption_groups(conn, ot_id, start, end, tz, group_by):
            _add_redemptions(groups[row["key"]], row)
        if group_by == "stop":
            names = await repository.stop_names(conn, [key for key in groups if key])
            for key, tally in groups.items():
                tally.label = names.get(key)
        for key in sorted(groups, key=lambda k: (k is None, k or "")):
            tally = groups[key]
            row = {group_by: key}
            if group_by in ("site", "stop"):
                row["name"] = tally.label
            if group_by == "site":
                row.update(
                    passes=tally.redeemed_passes, redemptions=tally.redemptions, redeemed_persons=tally.redeemed_persons
                )
            else:
                row.update(tally.as_row())
            rows.append(row)

    summary = totals.as_row()
    summary["uses_per_pass"] = round(totals.redemptions / totals.passes, 3) if totals.passes else None
    summary.update(dict(await repository.booking_totals(conn, ot_id, start, end, tz)))
    return {
        "ot": ot_id,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "group_by": group_by,
        "totals": summary,
        "rows": rows,
        "co2": {
            "source": factors.source,
            "method": "car trip avoided (one car per "
            f"{factors.car_seats} persons, {factors.car_kg_per_vehicle_km} kgCO2e/vehicle-km) minus the trip made",
        },
    }


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
