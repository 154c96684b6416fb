"""The tourist offices' pages over HTTP: who sees what, the default period, the tables
that stand without a script. (tests/browser/test_office.py looks at them in Chromium.)"""

from __future__ import annotations

import re
from datetime import date

import asyncpg
import httpx
import pytest

from service.core import i18n
from service.core.clock import season_start
from service.reports.exports import XLSX_MEDIA_TYPE
from service.reports.period import Period
from service.settings import Settings
from tests.helpers import days_ago, issue_pass, staff_headers
from tests.photo_factory import OFFICE_PHOTO_SEEDS as PHOTO_SEEDS
from tests.photo_factory import cropped, ticket_photo


def test_last_year_of_a_leap_day_is_the_28th() -> None:
    """The dashboard's « same period last year » (the report's period a year earlier)."""
    assert Period(date(2028, 2, 29), date(2028, 3, 1)).a_year_earlier() == Period(date(2027, 2, 28), date(2027, 3, 1))
    assert Period(date(2026, 4, 1), date(2026, 11, 26)).a_year_earlier() == Period(date(2025, 4, 1), date(2025, 11, 26))


def _season_start(settings: Settings) -> date:
    """This season's first day in the Lot, as the app's settings place it."""
    return season_start(settings, days_ago(0))


async def _page(client: httpx.AsyncClient, path: str, user: str | None = None, **params: str) -> httpx.Response:
    headers = await staff_headers(client, user) if user else {}
    return await client.get(path, params=params, headers=headers)


async def test_without_a_session_the_page_is_the_sign_in_form(client: httpx.AsyncClient) -> None:
    for path in ("/ot", "/ot/work", "/ot/sites"):
        response = await _page(client, path)
        assert response.status_code == 200
        assert 'id="sign-in"' in response.text and 'autocomplete="current-password"' in response.text


async def test_an_ot_sees_its_own_territory_only(client: httpx.AsyncClient) -> None:
    own = await _page(client, "/ot", "demo-ot-cahors")
    assert own.status_code == 200 and "Cahors – Vallée du Lot" in own.text
    assert 'name="ot"' not in own.text  # no choice of OT
    assert (await _page(client, "/ot", "demo-ot-cahors", ot="cahors")).status_code == 200
    other = await _page(client, "/ot", "demo-ot-cahors", ot="figeac")
    assert other.status_code == 403 and "Grand Figeac" not in other.text
    partner = await _page(client, "/ot", "demo-partner-musee-henri-martin")
    assert partner.status_code == 403
    assert (await _page(client, "/ot/work", "demo-partner-musee-henri-martin")).status_code == 403
    assert (await _page(client, "/ot/sites", "demo-partner-musee-henri-martin")).status_code == 403
    assert (await _page(client, "/ot/sites", "demo-pilot", site="atlantis")).status_code == 404


async def test_the_pilot_chooses_an_ot_or_the_department(client: httpx.AsyncClient, settings: Settings) -> None:
    department = await _page(client, "/ot", "demo-pilot")
    assert department.status_code == 200
    assert i18n.gettext("Whole department (Lot)", "fr") in department.text
    assert department.text.count('<tr data-ot="') == 5  # the OTs side by side
    figeac = await _page(client, "/ot", "demo-pilot", ot="figeac")
    assert figeac.status_code == 200 and '<option value="figeac" selected>' in figeac.text
    assert '<tr data-ot="' not in figeac.text
    # each page's CSV links reach the report of what it shows
    for html, scope in ((department.text, None), (figeac.text, "figeac")):
        link = re.search(r'href="(/api/v1/reports/uptake\?[^"]+)"', html)
        assert link, html
        scope_query = {"ot": scope} if scope else {}
        csv = await client.get(link.group(1).replace("&amp;", "&"), headers=await staff_headers(client, "demo-pilot"))
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        period = {"from": _season_start(settings).isoformat(), "to": days_ago(0).isoformat()}
        direct = await client.get(
            "/api/v1/reports/uptake",
            params={**scope_query, **period, "group_by": "week", "format": "csv", "dialect": "excel-fr"},
            headers=await staff_headers(client, "demo-pilot"),
        )
        assert csv.content == direct.content and csv.content.startswith("\ufeff".encode())
        workbook = re.search(r'href="(/api/v1/reports/breakdowns\?[^"]+)"', html)
        assert workbook, html
        xlsx = await client.get(
            workbook.group(1).replace("&amp;", "&"), headers=await staff_headers(client, "demo-pilot")
        )
        assert xlsx.status_code == 200 and xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
        assert xlsx.headers["content-disposition"].endswith(
            f'tbc-{scope or "lot"}-{period["from"]}-{period["to"]}.xlsx"'
        )
    assert (await _page(client, "/ot", "demo-pilot", ot="atlantis")).status_code == 404


@pytest.mark.lot_day  # the season and the period's last day are the Lot's, at midnight too
async def test_the_tables_stand_without_a_script_and_follow_the_period(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await issue_pass(client, stop="StopArea:OCE87613000")
    html = (await _page(client, "/ot", "demo-ot-cahors")).text
    start = _season_start(settings).isoformat()
    assert f'name="from" type="date" value="{start}"' in html
    assert f'name="to" type="date" value="{days_ago(0).isoformat()}"' in html
    for breakdown in ("week", "mode", "method", "site", "stop"):
        assert re.search(rf'<table data-chart="h?bar" data-breakdown="{breakdown}">', html), breakdown
        assert f"group_by={breakdown}&amp;format=csv" in html
    assert f"/api/v1/reports/uptake?ot=cahors&amp;from={start}&amp;to={days_ago(0).isoformat()}" in html

    inverted = await _page(
        client, "/ot", "demo-ot-cahors", **{"from": days_ago(0).isoformat(), "to": days_ago(3).isoformat()}
    )
    assert inverted.status_code == 200 and 'role="alert"' in inverted.text
    assert f'name="from" type="date" value="{start}"' in inverted.text


async def test_key_figures_come_with_last_years(
    client: httpx.AsyncClient, settings: Settings, conn: asyncpg.Connection
) -> None:
    issued = await issue_pass(client, stop="StopArea:OCE87613000", persons=3)
    # a pass of a year ago, as last season's data would be
    await conn.execute("UPDATE passes SET created_at = created_at - interval '1 year' WHERE code = $1", issued["code"])
    last_year = Period(_season_start(settings), days_ago(0)).a_year_earlier()
    before = (
        await client.get(
            "/api/v1/reports/uptake",
            params={"from": last_year.start.isoformat(), "to": last_year.end.isoformat()},
            headers=await staff_headers(client, "demo-ot-cahors"),
        )
    ).json()["totals"]
    assert before["passes"] >= 1
    html = (await _page(client, "/ot", "demo-ot-cahors")).text
    figure = re.search(r'data-figure="passes">(.*?)</div>', html, re.S)
    assert figure, html
    said = i18n.gettext("Same period last year: %(value)s", "fr") % {"value": before["passes"]}
    assert said in figure.group(1)
    # every key figure is the figures report's, last year's too
    key = (await client.get("/api/v1/reports/figures", headers=await staff_headers(client, "demo-ot-cahors"))).json()
    assert key["figures"]["passes"]["previous"] == before["passes"]
    shown = dict(
        re.findall(r'data-figure="(\w+)">\s*<dt>[^<]*</dt>\s*<dd class="figure__value" data-value="([^"]*)"', html)
    )
    assert shown == {name: "" if f["value"] is None else str(f["value"]) for name, f in key["figures"].items()}


async def test_the_revocation_notice_names_only_a_revoked_pass(client: httpx.AsyncClient) -> None:
    issued = await issue_pass(client, stop="StopArea:OCE87613000")
    shown = await _page(client, "/ot/work", "demo-ot-cahors", done="revoked", code=issued["code"])
    assert issued["code_display"] not in shown.text and 'class="flash"' not in shown.text
    headers = await staff_headers(client, "demo-ot-cahors")
    revoked = await client.post(f"/api/v1/passes/{issued['code']}/revoke", json={"reason": "test"}, headers=headers)
    assert revoked.status_code == 200
    shown = await _page(client, "/ot/work", "demo-ot-cahors", done="revoked", code=issued["code"])
    assert issued["code_display"] in shown.text


async def test_signing_out_clears_the_session_cookie(client: httpx.AsyncClient) -> None:
    response = await client.post("/ot/sign-out")
    assert response.status_code == 303 and response.headers["location"].startswith("/ot")
    assert re.search(r"tbc_staff=\"?\"?;.*Max-Age=0", response.headers["set-cookie"], re.I)


async def test_the_reviewer_sees_an_earlier_look_alike_photo_and_its_outcome(client: httpx.AsyncClient) -> None:
    photo = ticket_photo(PHOTO_SEEDS["lookalike"])

    async def send(picture: bytes) -> str:
        form = {"mode": "train", "method": "manual", "persons": "1"}
        sent = await client.post("/api/v1/claims", data=form, files={"file": ("ticket.jpg", picture, "image/jpeg")})
        assert sent.status_code == 202, sent.text
        return sent.json()["review"]["id"]

    first, crop = await send(photo), await send(cropped(photo, 0.1))
    headers = await staff_headers(client, "demo-ot-cahors")
    rejected = await client.post(f"/api/v1/review/proofs/{first}/reject", json={"reason": "illegible"}, headers=headers)
    assert rejected.status_code == 200
    html = (await _page(client, "/ot/work", "demo-ot-cahors")).text
    item = re.search(rf'data-review="{crop}">(.*?)</article>', html, re.S)
    assert item, html
    warning = re.search(r'<div class="warning">(.*?)</div>', item.group(1), re.S)
    assert warning and "illegible" in warning.group(1) and i18n.gettext("rejected", "fr") in warning.group(1)
