"""The refusals of slots and bookings."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import Np_, declare

CODES = declare(
    {
        "booking.slot_not_found": (
            404,
            N_("Unknown slot"),
            N_("This slot does not exist."),
        ),
        "booking.full": (
            409,
            N_("Slot full"),
            N_("Not enough low-carbon places are left on this slot."),
        ),
        "booking.duplicate": (
            409,
            N_("Already booked"),
            N_("This pass already holds a booking at this site."),
        ),
        "booking.slot_exists": (
            409,
            N_("Slot exists"),
            N_("A slot already starts at that time at this site."),
        ),
        "booking.started": (
            409,
            N_("Booking started"),
            N_("The slot has started: the booking can no longer be cancelled."),
        ),
        "booking.required": (
            409,
            N_("Booking required"),
            N_("This site requires a booking with the pass."),
        ),
        "booking.slot_past": (
            422,
            N_("Slot started"),
            N_("This slot has already started."),
        ),
        "booking.outside_validity": (
            422,
            N_("Outside the pass's validity"),
            N_("This slot is outside the pass's validity (it ends {valid_until})."),
        ),
        "booking.not_bookable": (
            422,
            N_("Site not bookable"),
            N_("This site takes no bookings."),
        ),
        "booking.too_many_persons": (
            422,
            N_("Too many persons"),
            Np_("This pass covers {persons} person.", "This pass covers {persons} persons.", "persons"),
        ),
    }
)
