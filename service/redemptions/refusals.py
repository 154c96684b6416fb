"""The refusals of a scan at a desk (a site's rules included) and of offline conflicts."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import Np_, declare

CODES = declare(
    {
        "redemption.already_redeemed": (
            409,
            N_("Already used here"),
            N_("This pass was already used here {redeemed_at} ({device})."),
        ),
        "redemption.nonce_reused": (
            409,
            N_("Nonce reused"),
            N_("This nonce was already used for another request."),
        ),
        "redemption.persons_already_in": (
            409,
            N_("Persons already in"),
            Np_(
                "{admitted} of this pass's {pass_persons} persons are already in here: {left} more may enter.",
                "{admitted} of this pass's {pass_persons} persons are already in here: {left} more may enter.",
                "left",
            ),
        ),
        "redemption.too_many_persons": (
            422,
            N_("Too many persons"),
            Np_("This pass covers {persons} person.", "This pass covers {persons} persons.", "persons"),
        ),
        "site.mode_not_accepted": (
            403,
            N_("Mode not accepted here"),
            N_("This site does not accept arrivals by {mode}."),
        ),
        "site.confidence_too_low": (
            403,
            N_("Proof not strong enough here"),
            N_("This site requires a verified proof."),
        ),
        "site.proof_too_old": (
            403,
            N_("Arrival too long ago for this site"),
            Np_(
                "This site accepts arrivals of less than {days} day ago.",
                "This site accepts arrivals of less than {days} days ago.",
                "days",
            ),
        ),
        "site.inactive": (
            403,
            N_("Site inactive"),
            N_("This site no longer takes part in the low-carbon fare."),
        ),
        "redemption.scanned_in_future": (
            422,
            N_("Scan dated in the future"),
            N_("This scan is dated in the future: check the device's clock."),
        ),
        "redemption.scan_too_old": (
            422,
            N_("Scan too old"),
            N_("This scan is more than {offline_window_hours} hours old: it can no longer be synced."),
        ),
        "redemption.unknown_codes_limited": (
            429,
            N_("Too many unknown codes"),
            N_(
                "Too many unknown codes scanned from this desk: try again in {retry_after} s. The tourist office has"
                " been told."
            ),
        ),
        "conflict.already_acknowledged": (
            409,
            N_("Conflict already acknowledged"),
            N_("This conflict was already acknowledged by {acknowledged_by}."),
        ),
    }
)
