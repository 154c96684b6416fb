"""How long a pass holds: from the arrival day for `validity_days` days, in the Lot's
days, whenever it is claimed; a claim made later gives a pass for the claim's day, so no
claim returns a pass already expired. These tests run again at pinned moments (`make test`: late evening UTC and
the clock-change nights), when the machine's day and the Lot's differ."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from service.core import clock
from service.passes.service import validity
from service.settings import ROOT, load_config
from tests.helpers import days_ago, issue_pass, nonce, staff_headers, trip_claim

pytestmark = pytest.mark.lot_day

VALIDITY_DAYS = load_config(ROOT / "config").rules.passes.validity_days


def _lot_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.lot_zone()).astimezone(UTC)


def _window(issued: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(issued["valid_from"]), datetime.fromisoformat(issued["valid_until"])


async def test_a_trip_claimed_after_its_week_gives_a_pass_for_the_day_that_a_30_day_site_redeems(client):
    issued = await issue_pass(client, travel_date=days_ago(10))
    valid_from, valid_until = _window(issued)
    assert valid_from == _lot_midnight(days_ago(10))
    assert valid_until == _lot_midnight(days_ago(-1)) > clock.now()
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"})
    assert shown.json()["status"] == "valid"
    # canoe-bouzies takes arrivals up to 30 days old
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, "demo-partner-canoe-bouzies"),
    )
    assert scan.status_code == 201, scan.text
    # a site keeping the default 7 days still refuses that arrival, by its own rule
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, "demo-partner-musee-champollion"),
    )
    assert scan.status_code == 403 and scan.json()["code"] == "site.proof_too_old"


@pytest.mark.parametrize("age", [0, 1, 6, 7, 8, 29, 30])
async def test_no_claim_returns_a_pass_already_expired(client, age):
    valid_from, valid_until = _window(await issue_pass(client, travel_date=days_ago(age)))
    assert valid_from <= clock.now() < valid_until
    # the arrival's week, or the claim's day once that week is over
    assert valid_until == _lot_midnight(max(days_ago(age - VALIDITY_DAYS), days_ago(-1)))


async def test_an_arrival_ends_the_same_day_whether_claimed_at_once_or_the_next_day(client):
    yesterday = await issue_pass(client, travel_date=days_ago(1))
    assert _window(yesterday)[1] == _lot_midnight(days_ago(1 - VALIDITY_DAYS))


def test_the_hour_or_day_of_the_claim_does_not_move_the_end():
    paris = clock.lot_zone()
    # arrived at 21:50 on 1 December: claimed at 22:30 that evening, or the next morning
    assert validity(date(2026, 12, 1), date(2026, 12, 1), 7, paris) == validity(
        date(2026, 12, 1), date(2026, 12, 2), 7, paris
    )
    assert validity(date(2026, 12, 1), date(2026, 12, 2), 7, paris)[1] == datetime(2026, 12, 7, 23, tzinfo=UTC)
    # across the autumn clock change (25 October): the evening of the 24th, or the 25th
    for claimed in (date(2026, 10, 24), date(2026, 10, 25)):
        assert validity(date(2026, 10, 24), claimed, 7, paris)[1] == datetime(2026, 10, 30, 23, tzinfo=UTC)


async def test_the_lot_day_decides_at_midnight(client):
    """Today is the Lot's day: late in the evening UTC it is already tomorrow in the Lot."""
    today = clock.lot_today()
    valid_from, valid_until = _window(await issue_pass(client, travel_date=today))
    assert valid_from == _lot_midnight(today) <= clock.now() < _lot_midnight(today + timedelta(days=1))
    assert valid_until.astimezone(clock.lot_zone()).time() == time(0)  # ends at the Lot's midnight
    ahead = await issue_pass(client, travel_date=today + timedelta(days=1))
    assert _window(ahead) == (
        _lot_midnight(today + timedelta(days=1)),
        _lot_midnight(today + timedelta(days=1 + VALIDITY_DAYS)),
    )
    shown = await client.get(f"/api/v1/passes/{ahead['code']}", headers={"Authorization": f"Bearer {ahead['token']}"})
    assert shown.json()["status"] == "not_yet_valid"
    # the edges of the claim window are Lot days too
    assert (await client.post("/api/v1/claims", json=trip_claim(travel_date=days_ago(30)))).status_code == 201
    too_old = await client.post("/api/v1/claims", json=trip_claim(travel_date=days_ago(31)))
    assert too_old.json()["code"] == "proof.too_old"
    assert (await client.post("/api/v1/claims", json=trip_claim(travel_date=days_ago(-30)))).status_code == 201
    too_early = await client.post("/api/v1/claims", json=trip_claim(travel_date=days_ago(-31)))
    assert too_early.json()["code"] == "proof.in_future"


def test_validity_counts_lot_days_across_clock_changes():
    paris = clock.lot_zone()
    # spring forward: a trip of 28 March claimed on the 29th; its week ends at a CEST midnight
    start, end = validity(date(2026, 3, 28), date(2026, 3, 29), 7, paris)
    assert (start, end) == (datetime(2026, 3, 27, 23, tzinfo=UTC), datetime(2026, 4, 3, 22, tzinfo=UTC))
    # a trip of the 20th claimed on the 29th, after its week: the claim's day, to a CEST midnight
    assert validity(date(2026, 3, 20), date(2026, 3, 29), 7, paris)[1] == datetime(2026, 3, 29, 22, tzinfo=UTC)
    # fall back: the 25 October has 25 hours, the week still ends at a local midnight
    start, end = validity(date(2026, 10, 25), date(2026, 10, 25), 7, paris)
    assert (start, end) == (datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC))
    # a trip ahead counts from its own day
    assert validity(date(2026, 7, 20), date(2026, 7, 1), 7, paris)[1] == datetime(2026, 7, 26, 22, tzinfo=UTC)


async def test_the_database_keeps_the_same_clock(conn):
    """SQL `now()` decides some windows (slots, retention, keys): at a pinned moment it
    must be the moment Python sees, not the machine's real time."""
    assert abs(await conn.fetchval("SELECT now()") - clock.now()) < timedelta(minutes=2)
