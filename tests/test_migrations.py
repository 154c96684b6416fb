"""Migrations: in order, once, under a lock; an edited applied file is refused."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from service.core import db
from service.core.migrations import SQL_DIR, MigrationError, discover, migrate


async def test_concurrent_migrations_apply_each_file_once(make_database):
    url = await make_database("tbc_test_migrations")
    connections = [await db.connect(url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrate(conn) for conn in connections))
        applied = [len(result) for result in results]
        assert sorted(applied) == [0, 0, 0, len(discover())], applied
        rows = await connections[0].fetch("SELECT version, checksum FROM schema_migrations ORDER BY version")
        assert [(r["version"], r["checksum"]) for r in rows] == [(m.version, m.checksum) for m in discover()]
        assert await migrate(connections[0]) == []  # and again: nothing to do
    finally:
        for conn in connections:
            await conn.close()


async def test_edited_applied_migration_is_refused(make_database, tmp_path):
    url = await make_database("tbc_test_migrations_edited")
    directory = tmp_path / "sql"
    shutil.copytree(SQL_DIR, directory)
    conn = await db.connect(url)
    try:
        await migrate(conn, directory)
        first = sorted(directory.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- an afterthought\n")
        with pytest.raises(MigrationError, match=first.name + " was edited after it was applied"):
            await migrate(conn, directory)
    finally:
        await conn.close()


async def test_a_failing_migration_leaves_nothing_half_done(make_database, tmp_path):
    url = await make_database("tbc_test_migrations_failing")
    directory = tmp_path / "sql"
    shutil.copytree(SQL_DIR, directory)
    (directory / "900_broken.sql").write_text("CREATE TABLE half_done (id int);\nSELECT no_such_function();\n")
    conn = await db.connect(url)
    try:
        with pytest.raises(Exception, match="no_such_function"):
            await migrate(conn, directory)
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
        assert await conn.fetchval("SELECT max(version) FROM schema_migrations") < 900
    finally:
        await conn.close()


def test_migration_files_are_named_in_order():
    versions = [m.version for m in discover()]
    assert versions == sorted(versions) and versions[0] == 1
