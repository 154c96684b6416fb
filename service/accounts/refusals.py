"""The refusals of staff sign-in, sessions, accounts and devices."""

from __future__ import annotations

from service.core.i18n import N_
from service.core.refusals import declare

CODES = declare(
    {
        "auth.required": (
            401,
            N_("Authentication required"),
            N_("Sign in to access this resource."),
        ),
        "auth.invalid_credentials": (
            401,
            N_("Invalid credentials"),
            N_("Wrong username or password."),
        ),
        "auth.invalid_token": (
            401,
            N_("Invalid token"),
            N_("The access token is invalid or expired."),
        ),
        "auth.forbidden": (
            403,
            N_("Forbidden"),
            N_("Your account cannot access this resource."),
        ),
        "device.name_taken": (
            409,
            N_("Device name taken"),
            N_("A device is already named '{name}'."),
        ),
        "auth.too_many_attempts": (
            429,
            N_("Too many sign-in attempts"),
            N_("Too many failed sign-in attempts: try again in {minutes} min."),
        ),
        "account.username_taken": (
            409,
            N_("Username taken"),
            N_("The username {username} is already taken."),
        ),
    }
)
