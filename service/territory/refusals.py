"""The refusals about OTs and partner sites."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import declare

CODES = declare(
    {
        "ot.unknown": (
            404,
            N_("Unknown OT"),
            N_("This tourist office is unknown."),
        ),
        "site.invalid": (
            422,
            N_("Invalid site"),
            N_("The site cannot be saved: {field}: {reason}"),
        ),
        "site.import_invalid": (
            422,
            N_("Not a DATAtourisme export"),
            N_("The file cannot be imported: {reason}. Export the sites from DATAtourisme as JSON-LD."),
        ),
        "site.exists": (
            409,
            N_("Site already exists"),
            N_("A site already has the id {site}; edit it instead."),
        ),
    }
)
