"""A newcomer's terminal (issue 15, item 10): readable lines at a terminal or with
TBC_LOG_FORMAT=text, JSON lines otherwise or with TBC_LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging

from service.core import logs


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _record(name: str, message: str, **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, message, None, None)
    record.__dict__.update(extra)
    return record


def test_a_terminal_gets_readable_lines_and_a_pipe_json():
    assert logs.wants_text(None, Terminal())
    assert not logs.wants_text(None, io.StringIO())
    assert not logs.wants_text("json", Terminal())
    assert logs.wants_text("text", io.StringIO())


def test_a_request_is_one_short_line_and_credentials_stay_out():
    access = _record(
        "service.access", "request", method="GET", route="/api/v1/sites", status=200, duration_ms=3.1, client="ab12"
    )
    line = logs.ReadableLines().format(access)
    assert line.endswith("  GET /api/v1/sites  200  3.1 ms") and "\n" not in line and "ab12" not in line
    refused = _record(
        "service.access",
        "request",
        method="POST",
        route="/api/v1/claims",
        status=409,
        duration_ms=9.0,
        code="proof.already_used",
    )
    assert logs.ReadableLines().format(refused).endswith("409  9.0 ms  proof.already_used")
    other = logs.ReadableLines().format(_record("service.mail", "sent /pass?token=secret-token"))
    assert "info  service.mail: sent /pass?token=[redacted]" in other and "secret-token" not in other
    # the same record as a JSON line for machines
    assert json.loads(logs.JsonLines().format(access))["route"] == "/api/v1/sites"


def test_a_json_line_says_its_moment_in_utc_to_the_millisecond_and_any_value_as_text():
    """The line's own encoder (msgspec) and moment (one ISO second kept while lines come):
    the same text as `datetime.isoformat` would give, at every millisecond's edge, and a
    value JSON has no form for written as its text, never an error nor a lost line."""
    import random
    from datetime import UTC, datetime
    from decimal import Decimal

    moments = [0.0, 1.9994999, 1.9995, 1.9999995, 59.999, 1_733_300_000.0005, 4_102_444_799.9999996]
    moments += [random.uniform(0, 4e9) for _ in range(2_000)]
    for created in moments:
        record = _record("service.mail", "sent")
        record.created = created
        line = json.loads(logs.JsonLines().format(record))
        assert line["ts"] == datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"), created

    class Opaque:
        def __str__(self) -> str:
            return "opaque thing"

    record = _record("service.mail", "envoyé à « Cahors » ?token=abc", amount=Decimal("1.50"), thing=Opaque())
    text = logs.JsonLines().format(record)
    line = json.loads(text)
    assert "« Cahors »" in text and line["msg"] == "envoyé à « Cahors » ?token=[redacted]"
    assert (line["amount"], line["thing"], line["level"], line["logger"]) == (
        "1.50",
        "opaque thing",
        "info",
        "service.mail",
    )
