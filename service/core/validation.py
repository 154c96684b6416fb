"""Validation errors told as what is expected, in the visitor's language.

msgspec says `Expected str matching regex '^…$' - at $.evidence.arrival_time`; a person
needs « evidence.arrival_time : une heure au format HH:MM, par exemple 09:05 ». The
expectation is chosen by the field's name, else by the kind of error; a pattern is
never shown.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec

from service.core.i18n import N_, Text, text

# An e-mail address as a visitor gives it, to the API or a page's form.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
EMAIL_MAX_LENGTH = 254
Email = Annotated[str, msgspec.Meta(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)]


def is_email(value: str) -> bool:
    return len(value) <= EMAIL_MAX_LENGTH and re.match(EMAIL_PATTERN, value) is not None


# What a field holds, by its name wherever it appears (body, evidence, query).
EXPECTED: dict[str, str] = {
    "arrival_time": N_("a time as HH:MM, for example 09:05"),
    "date": N_("a date as YYYY-MM-DD, for example 2026-07-14"),
    "day": N_("a date as YYYY-MM-DD, for example 2026-07-14"),
    "from": N_("a date as YYYY-MM-DD, for example 2026-07-14"),
    "to": N_("a date as YYYY-MM-DD, for example 2026-07-14"),
    "scanned_at": N_("a date and time with its offset, for example 2026-07-14T09:05:00+02:00"),
    "since": N_("a date and time with its offset, for example 2026-07-14T09:05:00+02:00"),
    "start": N_("a date and time with its offset, for example 2026-07-14T09:05:00+02:00"),
    "end": N_("a date and time with its offset, for example 2026-07-14T09:05:00+02:00"),
    "email": N_("an e-mail address, for example name@example.org"),
    "persons": N_("a whole number of persons, at least 1"),
    "mode": N_("one of: train, bus, bike"),
    "method": N_("one of: rail_barcode, declared_trip, gpx, attestation, manual"),
    "arrival_stop_id": N_("the id of a stop listed by /api/v1/stops"),
    "line": N_("the line or train number, for example 871234"),
    "ticket_ref": N_("the ticket's reference, 4 to 40 letters or digits"),
    "code": N_("the code as printed, letters and digits"),
    "password": N_("the password"),
    "username": N_("the user name"),
}

_AT = re.compile(r"\s+-\s+at\s+`\$(?P<path>[^`]*)`\s*$")


def _field(path: str, prefix: str | None) -> str:
    # `$.evidence.arrival_time` or `$[0].x` -> `evidence.arrival_time`, `[0].x`
    name = path.lstrip(".")
    return ".".join(part for part in (prefix, name) if part) or "body"


def _by_kind(message: str) -> Text:
    if match := re.match(r"Object missing required field `([^`]+)`", message):
        return text(N_("the field {field} is missing"), field=match.group(1))
    if match := re.match(r"Object contains unknown field `([^`]+)`", message):
        return text(N_("the field {field} is not expected here"), field=match.group(1))
    if match := re.search(r"of length >= (\d+)", message):
        return text(N_("at least {n} characters"), n=int(match.group(1)))
    if match := re.search(r"of length <= (\d+)", message):
        return text(N_("at most {n} characters"), n=int(match.group(1)))
    if match := re.search(r"`(?:int|float)` >= (-?[\d.]+)", message):
        return text(N_("a number of at least {n}"), n=match.group(1))
    if match := re.search(r"`(?:int|float)` <= (-?[\d.]+)", message):
        return text(N_("a number of at most {n}"), n=match.group(1))
    if "encoded datetime" in message:
        return text(EXPECTED["scanned_at"])
    if "encoded date" in message:
        return text(EXPECTED["date"])
    if "Invalid UUID" in message:
        return text(N_("an identifier (UUID)"))
    if message.startswith("Invalid enum value"):
        return text(N_("one of the documented values"))
    if match := re.match(r"Expected `([a-z]+)", message):
        kinds = {
            "int": N_("a whole number"),
            "float": N_("a number"),
            "str": N_("text"),
            "bool": N_("true or false"),
            "object": N_("an object"),
            "array": N_("a list"),
            "null": N_("nothing (null)"),
        }
        if match.group(1) in kinds and "matching regex" not in message:
            return text(kinds[match.group(1)])
    if message.startswith("JSON is malformed") or message.startswith("Input data was truncated"):
        return text(N_("well-formed JSON"))
    return text(N_("a value in the documented format"))


def explain(message: str, *, key: str | None = None, prefix: str | None = None) -> tuple[str, Text]:
    """(field, what is expected) for one msgspec or Litestar validation message."""
    at = _AT.search(message)
    bare = _AT.sub("", message).strip()
    field = _field(at.group("path"), prefix) if at else ".".join(p for p in (prefix, key) if p) or "body"
    if bare.startswith(("Object missing", "Object contains", "Invalid RFC3339", "Invalid UUID")):
        return field, _by_kind(bare)  # the value's own kind says it best (a date, not the datetime a name suggests)
    name = field.rsplit(".", 1)[-1]
    return field, (text(EXPECTED[name]) if name in EXPECTED else _by_kind(bare))


def expected_in(field: str) -> Text:
    """« field : what it holds », for a value the handler itself found wrong."""
    return text(N_("{field}: {expected}"), field=field, expected=text(EXPECTED[field.rsplit(".", 1)[-1]]))


def reason_of(exc: msgspec.MsgspecError, prefix: str | None = None) -> Text:
    """The `reason` of a refused body or evidence: « champ : ce qui est attendu »."""
    field, expected = explain(str(exc), prefix=prefix)
    return text(N_("{field}: {expected}"), field=field, expected=expected)


def explain_errors(errors: list[Any], fallback: str) -> tuple[Text, list[dict[str, Any]]]:
    """Litestar's validation errors as one reason and a list of {field, message}, regex-free."""
    explained = [
        explain(str(error.get("message", "")), key=error.get("key")) for error in errors if isinstance(error, dict)
    ]
    if not explained:
        field, expected = explain(fallback)
        explained = [(field, expected)]
    parts = [text(N_("{field}: {expected}"), field=field, expected=expected) for field, expected in explained]
    return _join(parts), [{"field": field, "message": expected} for field, expected in explained]


def _join(parts: list[Text]) -> Text:
    return parts[0] if len(parts) == 1 else text(N_("{first}; {rest}"), first=parts[0], rest=_join(parts[1:]))
