"""The uptake report: an OT sees its own territory, the pilot all of it."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import issue_pass, nonce, staff_headers


async def _report(client, user, **params):
    return await client.get("/api/v1/reports/uptake", params=params, headers=await staff_headers(client, user))


async def test_an_ot_sees_only_its_own_territory(client):
    assert (await _report(client, "demo-ot-figeac", ot="cahors")).status_code == 403
    own = await _report(client, "demo-ot-figeac")
    assert own.status_code == 200 and own.json()["ot"] == "figeac"
    assert (await _report(client, "demo-ot-figeac", ot="figeac")).status_code == 200
    # a partner's report is its own site's, never an OT's (tests/test_site_figures.py)
    partner = await _report(client, "demo-partner-musee-champollion")
    assert (
        partner.status_code == 200
        and partner.json()["site"] == "musee-champollion"
        and partner.json()["ot"] == "figeac"
    )
    assert (await _report(client, "demo-partner-musee-champollion", site="musee-henri-martin")).status_code == 403


async def test_pilot_sees_the_department_and_each_ot(client):
    department = await _report(client, "demo-pilot")
    assert department.status_code == 200 and department.json()["ot"] is None
    per_ot = [
        (await _report(client, "demo-pilot", ot=ot)).json()["totals"]
        for ot in ("cahors", "dordogne", "figeac", "gourdon", "labastide")
    ]
    totals = department.json()["totals"]
    # every pass arrived in one OT's territory, every use happened at one OT's site
    assert totals["passes"] == sum(t["passes"] for t in per_ot)
    assert totals["redemptions"] == sum(t["redemptions"] for t in per_ot)
    assert (await _report(client, "demo-pilot", ot="atlantis")).status_code == 404


async def test_rows_by_mode_site_week_method_and_stop(client):
    bus = await issue_pass(client, mode="bus", stop="lio:figeac-gare-routiere", persons=2)
    train = await issue_pass(client, stop="StopArea:OCE87613091", persons=1)  # Figeac station
    headers = await staff_headers(client, "demo-partner-musee-champollion")
    for issued in (bus, train):
        scan = await client.post(
            "/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=headers
        )
        assert scan.status_code == 201

    by_mode = {row["mode"]: row for row in (await _report(client, "demo-ot-figeac", group_by="mode")).json()["rows"]}
    assert by_mode["bus"]["passes"] >= 1 and by_mode["train"]["passes"] >= 1
    assert by_mode["bus"]["co2_avoided_kg"] > 0

    by_site = {row["site"]: row for row in (await _report(client, "demo-ot-figeac", group_by="site")).json()["rows"]}
    assert set(by_site) == {"musee-champollion"}  # the Figeac OT's demo site, even with no use
    assert by_site["musee-champollion"]["redemptions"] >= 2

    by_stop = {row["stop"]: row for row in (await _report(client, "demo-ot-figeac", group_by="stop")).json()["rows"]}
    assert by_stop["StopArea:OCE87613091"]["name"] == "Figeac"

    weeks = (await _report(client, "demo-ot-figeac", group_by="week")).json()["rows"]
    assert weeks and all(row["week"][4:6] == "-W" for row in weeks)

    methods = (await _report(client, "demo-ot-figeac", group_by="method")).json()["rows"]
    assert [row["method"] for row in methods] == ["declared_trip"]


@pytest.mark.parametrize("how", [{"headers": {"Accept": "text/csv"}}, {"params": {"format": "csv"}}])
async def test_csv_export(client, how):
    headers = {**await staff_headers(client, "demo-pilot"), **how.get("headers", {})}
    response = await client.get(
        "/api/v1/reports/uptake", params={"group_by": "mode", **how.get("params", {})}, headers=headers
    )
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    json_rows = (await _report(client, "demo-pilot", group_by="mode")).json()["rows"]
    assert [row["mode"] for row in rows] == [row["mode"] for row in json_rows]
    assert [int(row["passes"]) for row in rows] == [row["passes"] for row in json_rows]


async def test_period_is_checked(client):
    response = await _report(client, "demo-pilot", **{"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 400 and response.json()["code"] == "report.invalid_period"
    response = await _report(client, "demo-pilot", **{"from": "2020-01-01", "to": "2026-04-01"})
    assert response.status_code == 400
    response = await _report(client, "demo-pilot", **{"from": "not-a-date"})
    assert response.status_code == 400 and response.json()["code"] == "request.invalid"


# --- key figures, breakdowns, CO2 method, exports ---------------------------------


async def _get(client, path, user, **params):
    return await client.get(f"/api/v1/reports/{path}", params=params, headers=await staff_headers(client, user))


def test_the_season_starts_on_the_configured_day(settings):
    from datetime import date

    from service.core.clock import season_start

    assert settings.config.rules.reports.season_start == "04-01"
    assert season_start(settings, date(2026, 3, 31)) == date(2025, 4, 1)
    assert season_start(settings, date(2026, 4, 1)) == date(2026, 4, 1)
    assert season_start(settings, date(2026, 12, 31)) == date(2026, 4, 1)


async def test_figures_default_to_this_season_and_match_the_uptake_totals(client, settings):
    from service.core.clock import local_date, season_start

    await issue_pass(client, persons=3)
    figures = (await _get(client, "figures", "demo-pilot")).json()
    today = local_date(settings)
    assert (figures["from"], figures["to"]) == (season_start(settings, today).isoformat(), today.isoformat())
    assert figures["season_start"] == figures["from"]
    totals = (await _get(client, "uptake", "demo-pilot")).json()["totals"]
    for name in ("passes", "persons", "redemptions", "uptake_rate", "uses_per_pass", "co2_avoided_kg"):
        assert figures["figures"][name]["value"] == totals[name], name
    assert figures["figures"]["passes"]["value"] >= 1


async def test_figures_give_last_year_only_when_the_scheme_ran_then(client, conn):
    def previous(body):
        return {name: figure["previous"] for name, figure in body["figures"].items()}

    before = (await _get(client, "figures", "demo-ot-gourdon")).json()
    assert set(previous(before).values()) == {None}  # no pass in Gourdon a year ago
    issued = await issue_pass(client, stop="StopArea:OCE87613141", persons=2)  # Gourdon station
    await conn.execute("UPDATE passes SET created_at = created_at - interval '1 year' WHERE code = $1", issued["code"])
    after = (await _get(client, "figures", "demo-ot-gourdon")).json()
    assert previous(after)["passes"] >= 1 and previous(after)["persons"] >= 2
    assert after["previous_period"]["from"][:4] == str(int(after["from"][:4]) - 1)


async def test_the_pilot_compares_ots_and_an_ot_sees_only_its_own(client):
    by_ot = (await _get(client, "figures", "demo-pilot", group_by="ot")).json()
    assert [row["ot"] for row in by_ot["rows"]] == ["cahors", "dordogne", "figeac", "gourdon", "labastide"]
    assert sum(row["figures"]["passes"]["value"] for row in by_ot["rows"]) == by_ot["figures"]["passes"]["value"]
    assert (
        sum(row["figures"]["redemptions"]["value"] for row in by_ot["rows"])
        == (by_ot["figures"]["redemptions"]["value"])
    )
    own = (await _get(client, "figures", "demo-ot-cahors", group_by="ot")).json()
    assert own["ot"] == "cahors" and [row["ot"] for row in own["rows"]] == ["cahors"]
    assert (await _get(client, "figures", "demo-ot-cahors", ot="figeac")).status_code == 403
    assert (await _get(client, "breakdowns", "demo-ot-cahors", ot="figeac")).status_code == 403
    mine = await _get(client, "figures", "demo-partner-musee-henri-martin", ot="figeac")  # `ot` is no way out
    assert mine.status_code == 200 and mine.json()["site"] == "musee-henri-martin"


@pytest.mark.parametrize("path", ["figures", "breakdowns", "uptake"])
async def test_a_repeated_parameter_is_refused_not_silently_the_last(client, path):
    headers = await staff_headers(client, "demo-pilot")
    for query in ("ot=cahors&ot=figeac", "from=2026-04-01&from=2026-05-01", "to=2026-06-01&to=2026-07-01"):
        response = await client.get(f"/api/v1/reports/{path}?{query}", headers=headers)
        assert response.status_code == 400 and response.json()["code"] == "request.invalid", (query, response.text)


async def test_breakdowns_of_one_snapshot_add_up_to_the_totals(client):
    issued = await issue_pass(client, mode="bus", stop="lio:cahors-gare-routiere", persons=2)
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, "demo-partner-musee-henri-martin"),
    )
    assert scan.status_code == 201
    body = (await _get(client, "breakdowns", "demo-ot-cahors")).json()
    tables, totals = body["breakdowns"], body["totals"]
    assert list(tables) == ["week", "mode", "method", "confidence", "stop", "site", "distance", "ot"]
    for name in ("week", "mode", "method", "confidence", "stop", "distance", "ot"):
        assert sum(row["passes"] for row in tables[name]) == totals["passes"], name
        assert sum(row["passes_used"] for row in tables[name]) == totals["passes_used"], name
        # each row is rounded to 0.1 kg
        assert sum(row["co2_avoided_kg"] for row in tables[name]) == pytest.approx(
            totals["co2_avoided_kg"], abs=0.05 * len(tables[name]) + 0.05
        )
    for name in ("week", "mode", "method", "stop", "site", "ot"):
        assert sum(row["redemptions"] for row in tables[name]) == totals["redemptions"], name
    assert {row["site"] for row in tables["site"]} >= {"musee-henri-martin", "grotte-pech-merle", "canoe-bouzies"}
    assert all(row["ot"] == "cahors" for row in tables["site"])
    stop_names = {row["stop"]: row["name"] for row in tables["stop"]}
    assert stop_names["lio:cahors-gare-routiere"] == "Cahors – Gare routière"

    some = (
        await client.get(
            "/api/v1/reports/breakdowns?by=site,mode&by=week", headers=await staff_headers(client, "demo-ot-cahors")
        )
    ).json()
    assert list(some["breakdowns"]) == ["site", "mode", "week"]
    assert (await _get(client, "breakdowns", "demo-pilot", by="nope")).status_code == 400
    assert (await _get(client, "breakdowns", "demo-pilot", by="mode,mode")).status_code == 400


async def test_the_co2_method_names_factors_and_where_each_distance_came_from(client, conn, settings):
    def sources(body):
        return {row["source"]: row for row in body["co2_method"]["distance_sources"]}

    before = sources((await _get(client, "figures", "demo-ot-dordogne")).json())
    timetable = await issue_pass(client, stop="StopArea:OCE87594333", persons=2)  # Souillac
    tracked = await issue_pass(client, stop="StopArea:OCE87594333", persons=1)
    assumed = await issue_pass(client, stop="StopArea:OCE87594333", persons=5)
    # the trip lengths a matched timetable trip and a GPX track would have given
    await conn.execute("UPDATE passes SET trip_km = 100 WHERE code = $1", timetable["code"])
    await conn.execute("UPDATE passes SET trip_km = 30, method = 'gpx' WHERE code = $1", tracked["code"])
    body = (await _get(client, "figures", "demo-ot-dordogne")).json()
    after, method, factors = sources(body), body["co2_method"], settings.config.factors

    assert method["source"] == factors.source == "ADEME Impact CO2, snapshot 2026-07"
    assert method["car_kg_per_vehicle_km"] == 0.142 and method["car_seats"] == 4
    assert method["mode_kg_per_passenger_km"] == {"train": 0.0277, "bus": 0.0376, "bike": 0.00017}
    assert method["assumed_trip_km"]["train"] == 120.0
    assert after["timetable"]["passes"] - before["timetable"]["passes"] == 1
    assert after["timetable"]["trip_km"] - before["timetable"]["trip_km"] == pytest.approx(100)
    assert after["timetable"]["co2_avoided_kg"] - before["timetable"]["co2_avoided_kg"] == pytest.approx(
        100 * (0.142 - 2 * 0.0277), abs=0.11
    )
    assert after["proof"]["passes"] - before["proof"]["passes"] == 1
    assert after["assumed"]["passes"] - before["assumed"]["passes"] == 1
    # five persons need two cars: 120 km x (2 x 0.142 - 5 x 0.0277)
    assert after["assumed"]["co2_avoided_kg"] - before["assumed"]["co2_avoided_kg"] == pytest.approx(
        120 * (2 * 0.142 - 5 * 0.0277), abs=0.11
    )
    assert sum(row["passes"] for row in after.values()) == body["figures"]["passes"]["value"]
    assert sum(row["co2_avoided_kg"] for row in after.values()) == pytest.approx(
        body["figures"]["co2_avoided_kg"]["value"], abs=0.5
    )
    del assumed


async def test_csv_for_french_excel(client):
    headers = await staff_headers(client, "demo-pilot")
    response = await client.get(
        "/api/v1/reports/uptake", params={"group_by": "mode", "format": "csv", "dialect": "excel-fr"}, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    json_rows = (await _report(client, "demo-pilot", group_by="mode")).json()["rows"]
    assert [row["mode"] for row in rows] == [row["mode"] for row in json_rows]
    for row, expected in zip(rows, json_rows, strict=True):
        assert int(row["passes"]) == expected["passes"]
        assert "." not in row["co2_avoided_kg"]
        assert float(row["co2_avoided_kg"].replace(",", ".")) == expected["co2_avoided_kg"]
        if expected["uptake_rate"] is not None:
            assert float(row["uptake_rate"].replace(",", ".")) == expected["uptake_rate"]
    plain = await client.get("/api/v1/reports/uptake", params={"format": "csv"}, headers=headers)
    assert plain.headers["content-type"] == "text/csv; charset=utf-8" and not plain.content.startswith(b"\xef")


async def test_xlsx_workbook_has_one_sheet_per_breakdown(client):
    import openpyxl

    headers = await staff_headers(client, "demo-ot-cahors")
    response = await client.get("/api/v1/reports/breakdowns", params={"format": "xlsx"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    body = (await client.get("/api/v1/reports/breakdowns", headers=headers)).json()
    assert book.sheetnames == ["totals", *body["breakdowns"], "co2_sources", "co2_factors"]
    for name, json_rows in body["breakdowns"].items():
        header, *rows = [list(row) for row in book[name].iter_rows(values_only=True)]
        assert [dict(zip(header, row, strict=True)) for row in rows] == json_rows, name
    header, *rows = [list(row) for row in book["co2_sources"].iter_rows(values_only=True)]
    assert [dict(zip(header, row, strict=True)) for row in rows] == body["co2_method"]["distance_sources"]
