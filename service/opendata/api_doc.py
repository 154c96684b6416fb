"""What the OpenAPI document says of the open-data routes beyond what Litestar infers."""

from __future__ import annotations

from service.core.openapi import Doc, Operations
from service.opendata import table
from service.settings import OpenDataRules

_CSV = (
    ",".join(table.COLUMNS) + "\r\n"
    "2026-W27,2026-06-29,cahors,Cahors – Vallée du Lot,train,412,903,655,5210,false,false\r\n"
    "2026-W27,2026-06-29,labastide,Causse de Labastide-Murat,bike,,,7,,true,false\r\n"
)
_PACKAGE = {
    "name": "tarif-bas-carbone-lot-frequentation",
    "licenses": [table.LICENCE],
    "update_frequency": table.UPDATE_FREQUENCY,
    "resources": [{"name": "uptake", "path": "uptake.csv", "schema": "schema.json"}],
}

OPERATIONS: Operations = {
    ("get", "/api/v1/open-data/uptake.csv"): Doc((), _CSV),
    ("get", "/api/v1/open-data/schema.json"): Doc((), table.schema(OpenDataRules().min_count)),
    ("get", "/api/v1/open-data/datapackage.json"): Doc((), _PACKAGE),
}
