"""The refusals of the reports."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import declare

CODES = declare(
    {
        "report.invalid_period": (
            400,
            N_("Invalid period"),
            N_("The requested period is invalid."),
        ),
    }
)
