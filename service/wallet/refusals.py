"""The refusals about a pass's wallet files."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import declare

CODES = declare(
    {
        "wallet.not_configured": (
            404,
            N_("Wallet not available"),
            N_("This service does not add passes to {wallet} Wallet."),
        ),
        "wallet.link_invalid": (
            403,
            N_("Invalid wallet link"),
            N_("This link to the pass's wallet file is not valid."),
        ),
        "wallet.link_expired": (
            410,
            N_("Wallet link expired"),
            N_("This link to the pass's wallet file has expired: open your pass again."),
        ),
    }
)
