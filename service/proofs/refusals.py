"""The refusals of a claim whatever its proof method (each method declares its own)."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import Np_, declare

CODES = declare(
    {
        "proof.already_used": (
            409,
            N_("Proof already used"),
            N_(
                "This proof, or a copy of it, was sent before: one proof gives one pass. If it was you, "
                "open “My pass” on the phone you used, or send the very same file again."
            ),
        ),
        "proof.declined": (
            409,
            N_("Proof not accepted"),
            N_("This proof was sent before and the tourist office did not accept it. Their reason: {reason}"),
        ),
        "proof.method_not_for_mode": (
            422,
            N_("Method not allowed for this mode"),
            N_("Proof method '{method}' does not apply to mode '{mode}'."),
        ),
        "proof.mode_not_accepted": (
            422,
            N_("Mode not accepted"),
            N_("This mode of transport does not qualify for the low-carbon fare."),
        ),
        "proof.method_unavailable": (
            422,
            N_("Proof method not available"),
            N_("This kind of proof is not accepted online yet."),
        ),
        "proof.evidence_invalid": (
            422,
            N_("Evidence invalid"),
            N_("The evidence is incomplete or unreadable: {reason}"),
        ),
        "proof.too_old": (
            422,
            N_("Proof too old"),
            Np_("The trip is more than {days} day old.", "The trip is more than {days} days old.", "days"),
        ),
        "proof.in_future": (
            422,
            N_("Trip too far ahead"),
            Np_("The trip is more than {days} day ahead.", "The trip is more than {days} days ahead.", "days"),
        ),
        "proof.unknown_stop": (
            422,
            N_("Unknown stop"),
            N_("This arrival stop is unknown."),
        ),
        "proof.stop_outside_lot": (
            422,
            N_("Stop outside the Lot"),
            N_("The arrival stop is neither in the Lot nor a gateway station."),
        ),
        "proof.stop_mode_mismatch": (
            422,
            N_("Stop does not match mode"),
            N_("This stop is not served by this mode of transport."),
        ),
        "proof.too_many_persons": (
            422,
            N_("Too many persons"),
            Np_("A pass covers at most {max} person.", "A pass covers at most {max} persons.", "max"),
        ),
    }
)
