"""The refusals about a pass and its QR links."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import declare

CODES = declare(
    {
        "pass.token_required": (
            401,
            N_("Pass token required"),
            N_("Present the pass token."),
        ),
        "pass.not_found": (
            404,
            N_("Unknown pass"),
            N_("No pass has this code."),
        ),
        "pass.expired": (
            410,
            N_("Pass expired"),
            N_("This pass expired {valid_until}."),
        ),
        "pass.revoked": (
            410,
            N_("Pass revoked"),
            N_("This pass has been revoked."),
        ),
        "pass.invalid": (
            422,
            N_("Invalid pass"),
            N_("This pass is not genuine."),
        ),
        "pass.code_invalid": (
            422,
            N_("Invalid pass code"),
            N_("This pass code is mistyped."),
        ),
        "pass.not_yet_valid": (
            422,
            N_("Pass not yet valid"),
            N_("This pass is not valid yet: it starts {valid_from}."),
        ),
        "qr.link_invalid": (
            403,
            N_("Invalid QR link"),
            N_("This link to the QR code is not valid."),
        ),
        "qr.link_expired": (
            410,
            N_("QR link expired"),
            N_("This link to the QR code has expired: open your pass again."),
        ),
    }
)
