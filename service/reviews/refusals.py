"""The refusals of the review of held proofs."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import declare

CODES = declare(
    {
        "review.already_decided": (
            409,
            N_("Already decided"),
            N_("This proof has already been reviewed ({decision})."),
        ),
        "review.date_required": (
            422,
            N_("Travel date required"),
            N_("The visitor gave no travel date: give the one the photo shows (`date`)."),
        ),
        "review.place_required": (
            422,
            N_("Arrival place required"),
            N_("No arrival place ties this proof to a tourist office: give it ({what})."),
        ),
    }
)
