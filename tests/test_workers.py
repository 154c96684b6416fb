"""`tbc serve --workers 2`: two processes behind one port that count, limit and answer as one."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from service.settings import ROOT
from tests.helpers import TBC, cli_env, free_port, nonce

WORKERS = 2


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _workers_of(pid: int) -> list[int]:
    """The worker processes uvicorn started (multiprocessing's spawned interpreters)."""
    workers = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.spawn" in command and b"resource_tracker" not in command:
            workers.append(child)
    return workers


@pytest.fixture
def two_workers(tmp_path, database_url, settings):  # type: ignore[no-untyped-def]
    """A real `tbc serve --workers 2` on the test database; its sign-in limit per address
    lifted in a config copy (the suite's own sign-ins come from the same address)."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    rules = config / "rules.toml"
    rules.write_text(
        re.sub(r"(?m)^sign_in_failures_per_address = \d+", "sign_in_failures_per_address = 100000", rules.read_text())
    )
    port = free_port()
    env = cli_env(
        DATABASE_URL=database_url,
        TBC_SECRET_KEY=settings.secret_key,
        TBC_DATA_DIR=str(tmp_path / "var"),
        TBC_CONFIG_DIR=str(config),
        TBC_LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [*TBC, "serve", "--workers", str(WORKERS), "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while len(_workers_of(process.pid)) < WORKERS or not _ready(base):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(f"no two workers ready: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.2)
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _counted(exposition: str, route: str) -> float:
    pattern = rf'^tbc_http_requests_total\{{method="GET",route="{re.escape(route)}",status="200"\}} (\S+)$'
    return sum(float(value) for value in re.findall(pattern, exposition, re.M))


async def _on_new_connections(base: str, method: str, path: str, n: int, **kwargs) -> list[httpx.Response]:  # type: ignore[no-untyped-def]
    async def one() -> httpx.Response:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:  # a connection of its own
            return await client.request(method, path, **kwargs)

    return await asyncio.gather(*(one() for _ in range(n)))


async def test_two_workers_answer_count_and_limit_as_one(two_workers):
    base, process = two_workers
    assert len(_workers_of(process.pid)) == WORKERS

    # whichever worker answers, /metrics counts every request once
    [scrape] = await _on_new_connections(base, "GET", "/metrics", 1)
    answers = await _on_new_connections(base, "GET", "/health/live", 60)
    assert all(a.status_code == 200 for a in answers)
    [again] = await _on_new_connections(base, "GET", "/metrics", 1)
    before, after = _counted(scrape.text, "/health/live"), _counted(again.text, "/health/live")
    assert after - before == 60

    # the sign-in limit is the database's: ten wrong passwords in all, then 429, whoever answers
    username = f"nobody-{nonce()[:8]}"
    wrong = {"username": username, "password": "not the password"}
    answers = []
    for _ in range(4):
        answers += await _on_new_connections(base, "POST", "/api/v1/auth/token", 3, json=wrong)
    codes = sorted(a.json()["code"] for a in answers)
    assert codes.count("auth.invalid_credentials") == 10, codes
    assert codes.count("auth.too_many_attempts") == 2, codes
