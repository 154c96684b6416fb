"""Run every benchmark module of `bench/` in turn; the exit code is non-zero if any missed its goals."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def benches() -> list[str]:
    """The benchmark modules `make bench` runs: every module of `bench/` but its helpers
    (named with a leading underscore), each with a `main()` that takes no argument."""
    return sorted(info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_"))


def main() -> int:
    worst = 0
    for module in benches():
        print(f"== bench.{module}", flush=True)
        code = importlib.import_module(f"bench.{module}").main()
        worst = max(worst, code)
        print(flush=True)
    return worst


if __name__ == "__main__":
    sys.exit(main())
