"""One partner site's figures, for its desk, its OT and the pilot: its uses and the persons
who came in, by week, by arrival mode and by proof method, beside the same period a year
earlier, its share of its OT's uses, and — when its offer states its full and reduced
prices — the discount it granted, an estimate (persons × the difference). From the
rollups (sql/020's dimensions), as fast as the OT reports."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.reports import repository
from service.reports.period import Period, iso_week

TABLES = ("week", "mode", "method")


def discount_per_person(offer: dict[str, Any] | None) -> float | None:
    """What the offer takes off a person's entry, from its stated prices (None: not stated)."""
    offer = offer or {}
    normal, reduced = offer.get("normal_price_eur"), offer.get("reduced_price_eur")
    if normal is None or reduced is None:
        return None
    return round(float(normal) - float(reduced), 2)


async def _counted(conn: asyncpg.Connection, site: Any, period: Period) -> dict[str, Any]:
    rows = await repository.site_use_groups(conn, site["id"], site["ot_id"], period)
    found: dict[str, Any] = {"total": {"redemptions": 0, "persons": 0}, "ot": 0, **{name: [] for name in TABLES}}
    for row in rows:
        sums = {"redemptions": row["redemptions"] or 0, "persons": row["persons"] or 0}
        if row["grouping"] == "total":
            found["total"] = sums
        elif row["grouping"] == "ot":
            found["ot"] = sums["redemptions"]
        elif row["grouping"] == "week":
            found["week"].append({"week": iso_week(row["value"]), **sums})
        else:
            found[row["grouping"]].append({row["grouping"]: row["value"], **sums})
    for name in TABLES:
        found[name].sort(key=lambda entry, key=name: entry[key])
    return found


def _figures(counted: dict[str, Any], discount: float | None) -> dict[str, Any]:
    total = counted["total"]
    figures = {
        "redemptions": total["redemptions"],
        "redeemed_persons": total["persons"],
        "share_of_ot_redemptions": round(total["redemptions"] / counted["ot"], 4) if counted["ot"] else None,
    }
    if discount is not None:
        figures["discount_eur"] = round(total["persons"] * discount, 2)
    return figures


async def site_report(conn: asyncpg.Connection, site: dict[str, Any], period: Period) -> dict[str, Any]:
    """The site's figures of the period, each with the same period a year earlier, and its
    tables; `site` as `repository.report_site` reads it (its offer with the prices to use)."""
    last_year = period.a_year_earlier()
    discount = discount_per_person(site["offer"])
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        now = await _counted(conn, site, period)
        then = await _counted(conn, site, last_year)
    current, previous = _figures(now, discount), _figures(then, discount)
    return {
        "site": site["id"],
        "site_name": site["name"],
        "ot": site["ot_id"],
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "previous_period": {"from": last_year.start.isoformat(), "to": last_year.end.isoformat()},
        "figures": {name: {"value": value, "previous": previous.get(name)} for name, value in current.items()},
        "breakdowns": {name: now[name] for name in TABLES},
        "previous_breakdowns": {name: then[name] for name in TABLES},
        # the discount is an estimate from the prices the offer states, not a till's count
        "discount": {"per_person_eur": discount, "estimate": True} if discount is not None else None,
    }
