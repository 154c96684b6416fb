"""Where a scan's time goes: `make profile` runs one `tbc serve` worker under py-spy (a
sampling profiler that reads the process from outside) while wrk scans passes by code at
32 connections, then prints the functions that held the CPU: by own time, and the
service's by time spent in them and below. Setup and start-up are left out: only samples
taken while a request was being answered count, beside the event loop's share.

    make profile                     # scans by code
    TBC_PROFILE=claim make profile   # claims by declared trip instead
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._support import free_port, fresh_database, ready, served
from bench.http_load import CODE_DESK, SCRIPTS, THREADS, _bearer, _config_without_claim_limit, scan_items, wrk
from service.core.clock import lot_today
from service.settings import ROOT

DATABASE = "tbc_bench_profile"
SECONDS = int(os.environ.get("TBC_BENCH_SECONDS", "10"))
SHOWN = 25
# A sample is the answer to a request when one of its frames is Litestar's ASGI entry.
_IN_REQUEST = ("Litestar.__call__", "litestar/app.py")
_FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _frames(stack: str) -> list[tuple[str, str]]:
    """(function, file) of each frame, outermost first."""
    found = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame)
        if match:
            file = match["file"]
            file = file.split("site-packages/", 1)[-1]
            file = file.split(str(ROOT) + "/", 1)[-1]
            found.append((match["function"], file))
    return found


def _row(frame: tuple[str, str], samples: int, of: int) -> str:
    return f"  {100 * samples / of:5.1f} %  {frame[0]}  ({frame[1]})"


def summarise(raw: str) -> str:
    """The profile as text: shares of the samples taken while answering requests."""
    own: collections.Counter[tuple[str, str]] = collections.Counter()
    callers: collections.Counter[tuple[tuple[str, str], tuple[str, str]]] = collections.Counter()
    inclusive: collections.Counter[tuple[str, str]] = collections.Counter()
    in_request = outside = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames, n = _frames(stack), int(count)
        if _IN_REQUEST not in frames:
            outside += n
            continue
        in_request += n
        own[frames[-1]] += n
        # the nearest caller of the service or the application's libraries, for the own-time rows
        caller = next((f for f in reversed(frames[:-1]) if not f[1].startswith(("asyncio/", "<frozen"))), frames[0])
        callers[(frames[-1], caller)] += n
        for frame in set(frames):
            if frame[1].startswith("service/"):
                inclusive[frame] += n
    if not in_request:
        return "no sample was taken inside a request"
    total = in_request + outside
    lines = [
        f"{in_request} samples answering requests, {outside} elsewhere (event loop, sockets, start-up):"
        f" {100 * in_request / total:.0f} % in requests",
        "",
        "own time (% of the samples answering requests):",
    ]
    lines += [
        f"  {100 * n / in_request:5.1f} %  {function}  ({file})" for (function, file), n in own.most_common(SHOWN)
    ]
    lines += ["", "the service's functions, with what they call:"]
    lines += [
        f"  {100 * n / in_request:5.1f} %  {function}  ({file})" for (function, file), n in inclusive.most_common(SHOWN)
    ]
    return "\n".join(lines)


def _serve_profiled(database_url: str, data_dir: Path, config: Path, port: int, out: Path) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TBC_DATA_DIR": str(data_dir),
        "TBC_LOG_LEVEL": "WARNING",
        "TBC_CONFIG_DIR": str(config),
    }
    spy = Path(sys.executable).parent / "py-spy"
    command = [str(spy), "record", "--nonblocking", "--format", "raw", "--rate", "250", "--output", str(out), "--"]
    command += [sys.executable, "-m", "service", "serve", "--workers", "1", "--port", str(port)]
    return ready(subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL), port)


def _passes(database_url: str, data_dir: Path, config: Path, work: Path) -> list[str]:
    """The codes of passes claimed from a first, unprofiled server (demo data loaded)."""
    env = {"TBC_BENCH_DAY": lot_today().isoformat(), "TBC_BENCH_RUN": "profile", "TBC_BENCH_OUT": str(work / "passes")}
    with served(database_url, str(data_dir), demo=True, env={"TBC_CONFIG_DIR": str(config)}) as base:
        wrk(base, "claim.lua", 8, env)
    return [line.split(" ")[0] for path in sorted(work.glob("passes.*")) for line in path.read_text().splitlines()]


def _load(base: str, work: Path, what: str, codes: list[str]) -> None:
    """The profiled load, at 32 connections."""
    if what == "claim":
        env = {
            "TBC_BENCH_DAY": lot_today().isoformat(),
            "TBC_BENCH_RUN": "profiled",
            "TBC_BENCH_OUT": str(work / "more"),
        }
        measured = wrk(base, "claim.lua", 32, env)
    else:
        scan = {
            "TBC_BENCH_BEARER": _bearer(base, f"demo-partner-{CODE_DESK}"),
            "TBC_BENCH_RUN": "profile-scan",
            "TBC_BENCH_ITEMS": scan_items(work / "codes.txt", "code", codes),
        }
        measured = wrk(base, "redeem.lua", 32, scan)
    print(f"  under the profiler: {measured.rps:.0f} {what}s/s, p99 {measured.p99_ms:.0f} ms (wrk {THREADS} threads)")


def main() -> int:
    what = os.environ.get("TBC_PROFILE", "scan")
    database_url, server = fresh_database(DATABASE)
    try:
        with tempfile.TemporaryDirectory(prefix="tbc-profile-") as folder:
            work = Path(folder)
            config = _config_without_claim_limit(work)
            data_dir = work / "var"
            codes = _passes(database_url, data_dir, config, work)
            port, out = free_port(), work / "profile.txt"
            spy = _serve_profiled(database_url, data_dir, config, port, out)
            try:
                _load(f"http://127.0.0.1:{port}", work, what, codes)
            finally:
                # the server's end (py-spy's child) ends the recording, and py-spy writes it
                subprocess.run(["pkill", "-TERM", "-P", str(spy.pid)], check=False)
                spy.wait(timeout=60)
            print(f"profile of {what}s ({SCRIPTS.name}/{'claim' if what == 'claim' else 'redeem'}.lua, c=32):")
            kept = ROOT / "var" / f"profile-{what}.txt"
            kept.parent.mkdir(exist_ok=True)
            shutil.copyfile(out, kept)
            print(summarise(out.read_text()))
            print(f"\nthe samples, in flamegraph.pl's collapsed form: {kept.relative_to(ROOT)}")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
