"""Run the tests marked `lot_day` again at fixed moments, the clock moved by libfaketime.

`make test` calls `python -m tests.pinned_clock` after the suite. The moments are
the ones where the machine's day (UTC) and the Lot's day differ, and the two 2026
clock-change nights on both sides of the change. libfaketime moves the clock of
Python and of the embedded PostgreSQL it starts (SQL `now()` too); each moment gets
its own fresh PGDATA, so no server started under the real clock is reused.

Why a subset: the suite takes minutes; the marked tests are the ones whose answer
depends on the Lot's day or hour (claim windows, pass validity, slots by day, site
age rules, reports by day), the rest reasons in durations or not in time at all.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from service.core.clock import lot_zone
from service.settings import ROOT

MARKER = "lot_day"
# (UTC moment, why it is here)
MOMENTS = [
    (datetime(2026, 1, 15, 23, 30, tzinfo=UTC), "winter evening, already tomorrow in the Lot"),
    (datetime(2026, 7, 14, 22, 30, tzinfo=UTC), "summer evening, already tomorrow in the Lot"),
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "spring change night, before the jump"),
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "spring change night, after the jump"),
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "autumn change night, first 02:30"),
    (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "autumn change night, second 02:30"),
]
FAKETIME = "faketime"


def marked_files() -> list[str]:
    """The test files that use the marker (collecting only them keeps each run short)."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").glob("test_*.py")
        if f"mark.{MARKER}" in path.read_text(encoding="utf-8")
    )


def run_at(moment: datetime, files: list[str], extra: list[str], workdir: Path) -> tuple[int, float, Path]:
    stamp = moment.strftime("%Y%m%dT%H%M")
    pgdata = workdir / stamp
    shutil.rmtree(pgdata, ignore_errors=True)
    log = workdir / f"{stamp}.log"
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}  # a server outside would keep real time
    env |= {
        "TZ": "UTC",  # faketime reads the moment in the local zone; the machine's zone must not matter anyway
        "FAKETIME_DONT_RESET": "1",  # PostgreSQL, started a moment later, shares the same clock
        "TBC_TEST_PGDATA": str(pgdata),
        "TBC_TEST_DATABASE": "tbc_pinned",
    }
    command = [FAKETIME, "-f", "@" + moment.strftime("%Y-%m-%d %H:%M:%S")]
    command += [sys.executable, "-m", "pytest", "-q", "-m", MARKER, "-p", "no:cacheprovider", *files, *extra]
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    elapsed = time.monotonic() - started
    if code == 0:
        shutil.rmtree(pgdata, ignore_errors=True)
    return code, elapsed, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="moments run at once (default 2)")
    args, extra = parser.parse_known_args(argv)
    if shutil.which(FAKETIME) is None:
        print("pinned-clock runs need libfaketime: apt-get install faketime (make test does it)", file=sys.stderr)
        return 2
    files = marked_files()
    workdir = ROOT / "var" / "pinned-clock"
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"\nTests marked {MARKER} at pinned moments ({len(files)} files):", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(lambda moment: run_at(moment[0], files, extra, workdir), MOMENTS))
    failed = 0
    for (moment, why), (code, elapsed, log) in zip(MOMENTS, runs, strict=True):
        lot = moment.astimezone(lot_zone())
        verdict = "ok" if code == 0 else f"FAILED (exit {code}, see {log.relative_to(ROOT)})"
        summary = _last_line(log)
        print(
            f"  {moment:%Y-%m-%d %H:%M} UTC = {lot:%Y-%m-%d %H:%M %Z} in the Lot  {why:<45} {verdict}  {summary} [{elapsed:.0f} s]"
        )
        failed += code != 0
    for (_, _), (code, _, log) in zip(MOMENTS, runs, strict=True):
        if code != 0:
            print(f"\n--- {log.relative_to(ROOT)} (end) ---\n" + "\n".join(_tail(log, 40)))
    return 1 if failed else 0


def _tail(log: Path, lines: int) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if " INFO " not in line][-lines:]


def _last_line(log: Path) -> str:
    tail = _tail(log, 1)
    return tail[0].strip("= ") if tail else ""


if __name__ == "__main__":
    sys.exit(main())
