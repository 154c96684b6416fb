"""The `tbc` command as an operator runs it: `make run` is `tbc serve --demo`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.settings import ROOT

TBC = [sys.executable, "-m", "service"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TBC_SECRET_KEY", "TBC_CONFIG_DIR")}
    env.update(extra)
    return env


async def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A CLI run from an async test, off the event loop (the app under test shares it)."""
    return await asyncio.to_thread(subprocess.run, args, cwd=ROOT, capture_output=True, text=True, timeout=60, **kwargs)


def _get(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _serve_until_ready(data_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [*TBC, "serve", "--demo", "--port", str(port)],
        env=_env(TBC_DATA_DIR=str(data_dir)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tbc serve exited early:\n{process.stdout.read()}")
        try:
            if _get(f"http://127.0.0.1:{port}/health/ready")[0] == 200:
                return process
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail("tbc serve did not become ready")


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def test_serve_demo_on_embedded_postgres_then_stop(tmp_path):
    data_dir = tmp_path / "var"
    port = _free_port()
    process = _serve_until_ready(data_dir, port)
    try:
        status, sites = _get(f"http://127.0.0.1:{port}/api/v1/sites")
        assert status == 200
        assert len(sites) >= 8 and {site["ot"] for site in sites} == {
            "cahors",
            "dordogne",
            "figeac",
            "gourdon",
            "labastide",
        }
        status, schema = _get(f"http://127.0.0.1:{port}/schema/openapi.json")
        assert status == 200 and "/api/v1/claims" in schema["paths"]
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            data=b'{"username":"demo-pilot","password":"demo"}',
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["role"] == "pilot"
    finally:
        _stop(process)
    # SIGTERM stopped the embedded database too
    assert not (data_dir / "postgres" / "postmaster.pid").exists()

    # a second run keeps the data and adds no duplicate demo rows
    process = _serve_until_ready(data_dir, port)
    try:
        status, sites_again = _get(f"http://127.0.0.1:{port}/api/v1/sites")
        assert status == 200 and len(sites_again) == len(sites)
    finally:
        output = _stop(process)
    assert "(0 new accounts" in output


def test_wrong_config_stops_the_start_naming_the_field(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    rules = config / "rules.toml"
    rules.write_text(rules.read_text().replace("validity_days = 7", 'validity_days = "a week"'))
    result = subprocess.run(
        [*TBC, "migrate"],
        env=_env(TBC_CONFIG_DIR=str(config), DATABASE_URL="postgresql://unused@/x"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "rules.toml" in result.stderr and "$.passes.validity_days" in result.stderr


async def test_created_user_signs_in(client, database_url, settings):
    result = await _run(
        [*TBC, "create-user", "agent.gourdon", "--role", "ot", "--ot", "gourdon", "--password-stdin"],
        env=_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key),
        input="another long secret\n",
    )
    assert result.returncode == 0, result.stderr
    response = await client.post(
        "/api/v1/auth/token", json={"username": "agent.gourdon", "password": "another long secret"}
    )
    assert response.status_code == 200 and response.json()["ot"] == "gourdon"
    wrong = await client.post("/api/v1/auth/token", json={"username": "agent.gourdon", "password": "guess"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.invalid_credentials"

    partner_without_site = await _run(
        [*TBC, "create-user", "bad.partner", "--role", "partner", "--password-stdin"],
        env=_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key),
        input="a long enough secret\n",
    )
    assert partner_without_site.returncode == 2 and "--site" in partner_without_site.stderr


async def test_a_different_secret_is_refused_clearly(client, database_url):
    result = await _run(
        [*TBC, "migrate"],
        env=_env(DATABASE_URL=database_url, TBC_SECRET_KEY="x" * 48),
    )
    assert result.returncode == 2
    assert "cannot be decrypted" in result.stderr and "TBC_SECRET_KEY" in result.stderr
