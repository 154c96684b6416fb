"""Logs keep no credentials: a pass token or a signed link in a query string is
blanked before uvicorn's access log prints the request line."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

# query parameters that open a pass or its QR
_CREDENTIALS = re.compile(r"([?&](?:token|sig)=)[^&#\s]*", re.IGNORECASE)


def redact(path: str) -> str:
    return _CREDENTIALS.sub(r"\1[redacted]", path)


class RedactCredentials(logging.Filter):
    """For uvicorn's access records, whose args are (client, method, path, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """Uvicorn's own logging configuration, with the access log redacted."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_credentials"] = {"()": f"{__name__}.RedactCredentials"}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_credentials"]
    return config
