"""The OT reports: key figures with last year's, breakdowns for the charts, and the
uptake table of API.md; with the CO2 method behind their estimate.

Passes belong to the OT of their arrival stop and to the Lot day they were issued;
uses to the OT of their site and the Lot day they were recorded. Every figure of one
answer is read in one snapshot, so the breakdowns of a dashboard add up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import asyncpg

from service.reports import breakdowns as registry
from service.reports import co2, repository
from service.reports import site_report as one_site
from service.reports.period import Period, iso_week
from service.settings import FactorsConfig

# The breakdowns the API knows, in its order (reports/breakdowns.py).
BREAKDOWNS = tuple(registry.BREAKDOWNS)
# The key figures, each given with the same period a year earlier.
FIGURES = ("passes", "persons", "redemptions", "uptake_rate", "uses_per_pass", "co2_avoided_kg")


@dataclass
class Tally:
    passes: int = 0
    persons: int = 0
    used: int = 0
    km: float = 0.0
    co2_kg: float = 0.0
    redemptions: int = 0
    redeemed_persons: int = 0

    def add_passes(self, row: asyncpg.Record, factors: FactorsConfig) -> None:
        passes, km, known = row["passes"], row["km_m"] / 1000, row["km_passes"]
        self.passes += passes
        self.persons += passes * row["persons"]
        self.used += row["used"]
        self.km += co2.group_km(row["mode"], passes, km, known, factors)
        self.co2_kg += co2.group_avoided_kg(row["mode"], row["persons"], passes, km, known, factors)

    def add_uses(self, row: asyncpg.Record, factors: FactorsConfig | None = None) -> None:
        self.redemptions += row["redemptions"]
        self.redeemed_persons += row["persons"] or 0

    def figures(self) -> dict[str, Any]:
        """The key figures (what `as_row` says, less the counts only tables show)."""
        row = self.as_row()
        return {key: row[key] for key in _KEY_FIGURES}

    def as_row(self) -> dict[str, Any]:
        return {
            "passes": self.passes,
            "persons": self.persons,
            "passes_used": self.used,
            "uptake_rate": round(self.used / self.passes, 4) if self.passes else None,
            "redemptions": self.redemptions,
            "redeemed_persons": self.redeemed_persons,
            "uses_per_pass": round(self.redemptions / self.passes, 3) if self.passes else None,
            "co2_avoided_kg": round(self.co2_kg, 1),
        }


_KEY_FIGURES = ("passes", "persons", "redemptions", "uptake_rate", "uses_per_pass", "co2_avoided_kg")


async def _tallies(
    conn: asyncpg.Connection, wanted: list[str], ot_id: str | None, period: Period, factors: FactorsConfig
) -> dict[str, dict[str | None, Tally]]:
    """breakdown -> value -> its tally, for all `wanted` at once (one query per rollup)."""
    tables: dict[str, dict[str | None, Tally]] = {name: defaultdict(Tally) for name in wanted}
    for rollup_of, fetch, add in (
        (lambda b: b.passes, repository.pass_groups, Tally.add_passes),
        (lambda b: b.uses, repository.use_groups, Tally.add_uses),
    ):
        readers: dict[tuple[str, str], list[str]] = defaultdict(list)
        for name in wanted:
            if (rollup := rollup_of(registry.of(name))) is not None:
                readers[rollup].append(name)
        if not readers:
            continue
        by_value = sorted({dim for dim, grouping in readers if grouping == "key"})
        overall = any(grouping != "key" for _, grouping in readers)
        for row in await fetch(conn, by_value, overall, ot_id, period):
            for name in readers.get((row["dim"], row["grouping"]), ()):
                value = iso_week(row["value"]) if row["grouping"] == "week" else row["value"]
                add(tables[name][value], row, factors)
    return tables


def _sort_key(key: str | None) -> tuple[bool, str]:
    return key is None, key or ""


async def _rows(
    conn: asyncpg.Connection, breakdown: str, groups: dict[str | None, Tally], ot_id: str | None
) -> list[dict[str, Any]]:
    """The table of one breakdown, from its tallies, with display names."""
    if breakdown == "site":
        # every site of the scope, even one without a use yet
        sites = {row["id"]: row for row in await repository.scope_sites(conn, ot_id)}
        for site_id in sites:
            groups[site_id]  # noqa: B018 (creates the empty tally)
        names = {site_id: row["name"] for site_id, row in sites.items()}
        names.update(await repository.names(conn, "site", [k for k in groups if k and k not in sites]))
        return [
            {
                "site": key,
                "name": names.get(key),
                "ot": sites[key]["ot_id"] if key in sites else None,
                # a pass is used once per site: its uses there are its passes there
                "passes": tally.redemptions,
                "redemptions": tally.redemptions,
                "redeemed_persons": tally.redeemed_persons,
            }
            for key, tally in sorted(groups.items(), key=lambda item: _sort_key(item[0]))
        ]
    names = await repository.names(conn, breakdown, [key for key in groups if key])
    rows = []
    for key, tally in sorted(groups.items(), key=lambda item: _sort_key(item[0])):
        row: dict[str, Any] = {breakdown: key}
        if registry.of(breakdown).named:
            row["name"] = names.get(key) if key else None
        row.update(tally.as_row())
        rows.append(row)
    return rows


def _snapshot(conn: asyncpg.Connection) -> Any:
    return conn.transaction(isolation="repeatable_read", readonly=True)


async def _small_plans(conn: asyncpg.Connection) -> None:
    # a report groups some thousands of rollup rows: starting parallel workers costs more
    await conn.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _scope(ot_id: str | None, period: Period) -> dict[str, Any]:
    return {"ot": ot_id, "from": period.start.isoformat(), "to": period.end.isoformat()}


async def _report(
    conn: asyncpg.Connection, ot_id: str | None, period: Period, wanted: list[str], tz: str, factors: FactorsConfig
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any], dict[str, Any]]:
    """(tables, totals row with bookings and no-shows, CO2 method) of the period, in one snapshot."""
    async with _snapshot(conn):
        await _small_plans(conn)
        tallies = await _tallies(conn, [*dict.fromkeys([*wanted, "total", "distance"])], ot_id, period, factors)
        tables = {name: await _rows(conn, name, tallies[name], ot_id) for name in wanted}
        summary = (tallies["total"].get(None) or Tally()).as_row()
        summary.update(dict(await repository.booking_totals(conn, ot_id, period.start, period.end, tz)))
    return tables, summary, co2_method(factors, tallies["distance"])


async def uptake(
    conn: asyncpg.Connection,
    *,
    ot_id: str | None,
    period: Period,
    group_by: str | None,
    tz: str,
    factors: FactorsConfig,
) -> dict[str, Any]:
    """GET /api/v1/reports/uptake: the totals and, by `group_by`, one table."""
    tables, summary, method = await _report(conn, ot_id, period, [group_by] if group_by else [], tz, factors)
    rows = tables[group_by] if group_by else []
    return {**_scope(ot_id, period), "group_by": group_by, "totals": summary, "rows": rows, "co2_method": method}


async def breakdowns(
    conn: asyncpg.Connection,
    *,
    ot_id: str | None,
    period: Period,
    wanted: list[str],
    tz: str,
    factors: FactorsConfig,
) -> dict[str, Any]:
    """Every table a dashboard draws, from one snapshot."""
    tables, summary, method = await _report(conn, ot_id, period, wanted, tz, factors)
    return {**_scope(ot_id, period), "totals": summary, "breakdowns": tables, "co2_method": method}


def _with_previous(current: Tally | None, previous: Tally | None, ran_then: bool) -> dict[str, dict[str, Any]]:
    now = (current or Tally()).figures()
    then = (previous or Tally()).figures() if ran_then else {}
    return {name: {"value": now[name], "previous": then.get(name)} for name in FIGURES}


async def figures(
    conn: asyncpg.Connection,
    *,
    ot_id: str | None,
    period: Period,
    by_ot: bool,
    factors: FactorsConfig,
) -> dict[str, Any]:
    """The key figures of the period, each with the same period a year earlier when
    the scheme already ran then (else `previous` is null); by OT on request."""
    last_year = period.a_year_earlier()
    wanted = ["total", "distance", *(["ot"] if by_ot else [])]
    async with _snapshot(conn):
        await _small_plans(conn)
        ran_then = await repository.ots_with_passes_until(conn, ot_id, last_year.end)
        now = await _tallies(conn, wanted, ot_id, period, factors)
        then = await _tallies(conn, ["total", "ot"], ot_id, last_year, factors) if ran_then else None
        ots = await repository.ots_in_scope(conn, ot_id) if by_ot else []
    rows = [
        {
            "ot": ot["id"],
            "name": ot["name"],
            "figures": _with_previous(
                now["ot"].get(ot["id"]), then["ot"].get(ot["id"]) if then else None, ot["id"] in ran_then
            ),
        }
        for ot in ots
    ]
    return {
        **_scope(ot_id, period),
        "previous_period": {"from": last_year.start.isoformat(), "to": last_year.end.isoformat()},
        "figures": _with_previous(now["total"].get(None), then["total"].get(None) if then else None, bool(ran_then)),
        "rows": rows,
        "co2_method": co2_method(factors, now["distance"]),
    }


def co2_method(factors: FactorsConfig, distances: dict[str | None, Tally]) -> dict[str, Any]:
    """How the CO2 figure was made: the ADEME factors, and for how many passes the trip
    length came from the proof, the timetable, or the configured average."""
    return {
        "source": factors.source,
        "formula": (
            f"per pass: trip km x (car {factors.car_kg_per_vehicle_km} kgCO2e per vehicle-km x one car per "
            f"{factors.car_seats} persons - the mode's kgCO2e per passenger-km x persons), never below zero"
        ),
        "car_kg_per_vehicle_km": factors.car_kg_per_vehicle_km,
        "car_seats": factors.car_seats,
        "mode_kg_per_passenger_km": {
            "train": factors.modes.train,
            "bus": factors.modes.bus,
            "bike": factors.modes.bike,
        },
        "assumed_trip_km": {
            "train": factors.assumed_trip_km.train,
            "bus": factors.assumed_trip_km.bus,
            "bike": factors.assumed_trip_km.bike,
        },
        "distance_sources": [
            {
                "source": source,
                "passes": (tally := distances.get(source) or Tally()).passes,
                "trip_km": round(tally.km, 1),
                "co2_avoided_kg": round(tally.co2_kg, 1),
            }
            for source in co2.DISTANCE_SOURCES
        ],
    }


async def report_site(conn: asyncpg.Connection, site_id: str) -> dict[str, Any] | None:
    """A site as its figures need it (id, name, OT, offer), or None."""
    return await repository.report_site(conn, site_id)


async def site_report(conn: asyncpg.Connection, site: dict[str, Any], period: Period) -> dict[str, Any]:
    """One site's figures and tables (service/reports/site_report.py)."""
    return await one_site.site_report(conn, site, period)
