"""What many tests do: sign staff in, issue a pass, run the `tbc` command, read the
metrics, receive mail. Fixtures stay in conftest.py; these are plain functions."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import asyncpg
import httpx
from playwright.async_api import BrowserContext
from prometheus_client.parser import text_string_to_metric_families

from service.core import refusals
from service.core.clock import lot_today, lot_zone
from service.core.refusals import Refusal
from service.settings import ROOT

PUBLIC_URL = "http://tbc.test"
TBC = [sys.executable, "-m", "service"]

# Several suites may run at once on one machine: each can name its own database
# and embedded server directory.
TEST_DATABASE = os.environ.get("TBC_TEST_DATABASE", "tbc_test")
TEST_PGDATA = os.environ.get("TBC_TEST_PGDATA") or str(ROOT / "var" / "test-postgres")

# The API, as a visitor, a desk or an OT uses it

_tokens: dict[str, str] = {}


async def reject_review(client: httpx.AsyncClient, review_id: str, reason: str, user: str = "demo-ot-dordogne") -> None:
    """A reviewer (of `user`'s OT) refuses the proof held for review, with `reason`."""
    rejected = await client.post(
        f"/api/v1/review/proofs/{review_id}/reject", json={"reason": reason}, headers=await staff_headers(client, user)
    )
    assert rejected.status_code == 200, rejected.text


async def staff_headers(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    if username not in _tokens:
        response = await client.post("/api/v1/auth/token", json={"username": username, "password": "demo"})
        assert response.status_code == 200, response.text
        _tokens[username] = response.json()["access_token"]
    return {"Authorization": f"Bearer {_tokens[username]}"}


def trip_claim(
    *,
    travel_date: date | None = None,
    stop: str = "StopArea:OCE87613000",
    mode: str = "train",
    persons: int = 2,
    ticket_ref: str | None = None,
    line: str = "871234",
) -> dict[str, Any]:
    return {
        "mode": mode,
        "method": "declared_trip",
        "persons": persons,
        "evidence": {
            "date": (travel_date or lot_today()).isoformat(),
            "arrival_stop_id": stop,
            "arrival_time": "10:42",
            "line": line,
            "ticket_ref": ticket_ref or uuid.uuid4().hex[:8].upper(),
        },
    }


async def issue_pass(client: httpx.AsyncClient, **claim: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/claims", json=trip_claim(**claim))
    assert response.status_code == 201, response.text
    return response.json()["pass"]


def declared_refusals() -> dict[str, Refusal]:
    """Every refusal code the service declares, once every room is imported (as the app does)."""
    import service.app  # noqa: F401 - building the app imports every room, and so declares its codes

    return dict(refusals.declared())


def refusal_statuses() -> dict[str, int]:
    """code → status of every declared refusal: the contract's table."""
    return {code: refusal.status for code, refusal in sorted(declared_refusals().items())}


def qr_texts(image: bytes) -> list[str]:
    """What the QR codes of an image (PNG, a screenshot) say, read by a real decoder. Only QR
    codes: a decoder looking for every format now and then sees a linear barcode in a QR's modules."""
    import io

    import zxingcpp
    from PIL import Image

    return [
        found.text
        for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(image)), formats=zxingcpp.BarcodeFormat.QRCode)
    ]


def free_port() -> int:
    """A TCP port of the loopback nobody listens on (for a server a test starts)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nonce() -> str:
    return uuid.uuid4().hex


async def end_pass(conn: asyncpg.Connection, code: str) -> datetime:
    """End a pass at the start of the Lot's day, as if its week were over: no claim
    gives a pass already expired. The pass must have arrived before today."""
    ended = datetime.combine(lot_today(), time(0), lot_zone()).astimezone(UTC)
    await conn.execute("UPDATE passes SET valid_until = $2 WHERE code = $1", code, ended)
    return ended


def days_ago(days: int) -> date:
    """The Lot's day `days` days ago (negative: ahead)."""
    return lot_today() - timedelta(days=days)


# The `tbc` command


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TBC_SECRET_KEY", "TBC_CONFIG_DIR")}
    env.update(extra)
    return env


async def run_cli(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A CLI run from an async test, off the event loop (the app under test shares it)."""
    return await asyncio.to_thread(subprocess.run, args, cwd=ROOT, capture_output=True, text=True, timeout=60, **kwargs)


# A staff session in the browser


async def open_session(context: BrowserContext, username: str) -> None:
    """The staff session cookie, set up through the API (the sign-in form has its own test)."""
    token = await context.request.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert token.ok, await token.text()
    access = (await token.json())["access_token"]
    session = await context.request.post("/api/v1/auth/session", headers={"Authorization": f"Bearer {access}"})
    assert session.ok, await session.text()


# Metrics


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def delta(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def scraped_here() -> dict[tuple[str, frozenset], float]:
    """Every sample of this process's metrics, as `/metrics` answers them (no request made)."""
    from service.core import metrics

    return samples(metrics.exposition().decode())


def request_folds() -> float:
    """The report folds this process has run for requests so far (service.reports.rollups)."""
    return scraped_here().get(("tbc_report_folds_total", frozenset({("by", "request")})), 0.0)


# Mail


class SmtpSink:
    """aiosmtpd handler: every message received, parsed."""

    def __init__(self) -> None:
        self.port = 0
        self.messages: list[EmailMessage] = []
        # the sink's own chatter (envelopes, addresses) is the test's, not the service's log
        logging.getLogger("mail.log").setLevel(logging.WARNING)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    async def one_to(self, address: str, seconds: float = 10) -> EmailMessage:
        """The one message sent to `address`, waiting for the app's outbox to send it."""
        for _attempt in range(int(seconds * 10)):
            if self.to(address):
                break
            await asyncio.sleep(0.1)
        [message] = self.to(address)
        return message
