"""OpenAPI of the reports routes beyond what Litestar infers: refusals, examples, security."""

from service.core.openapi import STAFF, STAFF_REFUSALS, Doc, Operations

_ASKED = {"ot": "cahors", "from": "2026-04-01", "to": "2026-07-14"}

OPERATIONS: Operations = {
    ("get", "/api/v1/reports/uptake"): Doc(
        ("request.invalid", "report.invalid_period", "ot.unknown", "request.not_found", *STAFF_REFUSALS),
        {
            "ot": "cahors",
            "from": "2026-01-01",
            "to": "2026-07-14",
            "totals": {
                "passes": 412,
                "persons": 903,
                "redemptions": 655,
                "passes_used": 301,
                "uptake_rate": 0.73,
                "co2_avoided_kg": 5210.4,
            },
            "rows": [
                {
                    "mode": "train",
                    "passes": 288,
                    "persons": 640,
                    "redemptions": 470,
                    "passes_used": 215,
                    "uptake_rate": 0.75,
                    "co2_avoided_kg": 4102.7,
                }
            ],
        },
        security=STAFF,
    ),
    ("get", "/api/v1/reports/figures"): Doc(
        ("request.invalid", "report.invalid_period", "ot.unknown", "request.not_found", *STAFF_REFUSALS),
        {
            **_ASKED,
            "season_start": "2026-04-01",
            "previous_period": {"from": "2025-04-01", "to": "2025-07-14"},
            "figures": {
                "passes": {"value": 412, "previous": 350},
                "persons": {"value": 903, "previous": 770},
                "redemptions": {"value": 655, "previous": 540},
                "uptake_rate": {"value": 0.73, "previous": 0.7},
                "uses_per_pass": {"value": 1.59, "previous": 1.54},
                "co2_avoided_kg": {"value": 5210.4, "previous": 4420.0},
            },
            "rows": [],
            "co2_method": {"source": "ADEME Impact CO2, snapshot 2026-07"},
        },
        security=STAFF,
    ),
    ("get", "/api/v1/reports/breakdowns"): Doc(
        ("request.invalid", "report.invalid_period", "ot.unknown", "request.not_found", *STAFF_REFUSALS),
        {
            **_ASKED,
            "totals": {"passes": 412, "persons": 903, "redemptions": 655, "uptake_rate": 0.73},
            "breakdowns": {"mode": [{"mode": "train", "passes": 288, "redemptions": 470}]},
            "co2_method": {"source": "ADEME Impact CO2, snapshot 2026-07"},
        },
        security=STAFF,
    ),
}
