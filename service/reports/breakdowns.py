"""The ways a report splits its passes and uses (`by=` and `group_by=` of the report
API), one entry each: where its counts come from in the rollups, and how the OT
dashboard draws it. The API's list, its OpenAPI type, the dashboard's sections and
their order, the CSV and the workbook's sheets all follow `BREAKDOWNS`. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from service.core.i18n import N_

# (rollup dimension, grouping) in report_passes or report_uses (sql/, reports/repository.py):
# "key" groups by the dimension's value, "week" by Lot week, "ot" by OT, "total" not at all.
Rollup = tuple[str, Literal["key", "week", "ot", "total"]]


@dataclass(frozen=True)
class Breakdown:
    name: str
    passes: Rollup | None  # None: passes are not split this way (a pass has no site)
    uses: Rollup | None  # None: uses are not split this way
    named: bool = False  # its rows carry the value's display name (stops, OTs)
    # On the dashboard: its place (None: not drawn), its texts (English msgids), its chart,
    # and its table's columns: a week's, a pass table's, or the uses of a site.
    dashboard: int | None = None
    title: str = ""
    caption: str = ""
    head: str = ""
    chart: Literal["bar", "hbar"] = "bar"
    table: Literal["week", "passes", "uses"] = "passes"
    value_labels: dict[str, str] = field(default_factory=dict)  # value -> English msgid


TOTAL = Breakdown("total", ("mode", "total"), ("site", "total"))

BREAKDOWNS: dict[str, Breakdown] = {
    b.name: b
    for b in (
        Breakdown(
            "week",
            ("mode", "week"),
            ("site", "week"),
            dashboard=1,
            title=N_("By week"),
            caption=N_("Passes issued and uses, by week"),
            head=N_("Week of"),
            table="week",
        ),
        Breakdown(
            "mode",
            ("mode", "key"),
            ("mode", "key"),
            dashboard=2,
            title=N_("By arrival mode"),
            caption=N_("Passes issued and uses, by arrival mode"),
            head=N_("Arrival mode"),
            value_labels={"train": N_("train"), "bus": N_("liO coach"), "bike": N_("bike")},
        ),
        Breakdown(
            "method",
            ("method", "key"),
            ("method", "key"),
            dashboard=3,
            title=N_("By proof method"),
            caption=N_("Passes issued and uses, by proof method"),
            head=N_("Proof method"),
            chart="hbar",
            value_labels={
                "rail_barcode": N_("Rail ticket barcode"),
                "declared_trip": N_("Declared trip"),
                "gpx": N_("Recorded ride (GPX)"),
                "attestation": N_("Bike partner's code"),
                "manual": N_("Photo checked by a tourist office"),
            },
        ),
        Breakdown("confidence", ("confidence", "key"), None),
        Breakdown(
            "stop",
            ("stop", "key"),
            ("stop", "key"),
            named=True,
            dashboard=5,
            title=N_("By arrival stop"),
            caption=N_("Passes issued and uses, by arrival stop"),
            head=N_("Arrival stop"),
            chart="hbar",
        ),
        Breakdown(
            "site",
            None,
            ("site", "key"),
            dashboard=4,
            title=N_("By partner site"),
            caption=N_("Uses, by partner site"),
            head=N_("Partner site"),
            chart="hbar",
            table="uses",
        ),
        Breakdown("distance", ("distance", "key"), None),
        # the OTs of the department side by side (the pilot's comparison has its own table)
        Breakdown("ot", ("mode", "ot"), ("site", "ot"), named=True),
    )
}
ON_DASHBOARD: tuple[Breakdown, ...] = tuple(
    sorted((b for b in BREAKDOWNS.values() if b.dashboard is not None), key=lambda b: b.dashboard or 0)
)


def of(name: str) -> Breakdown:
    return TOTAL if name == "total" else BREAKDOWNS[name]
