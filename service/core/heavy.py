"""Heavy work off the event loop, a few at a time.

Decoding an uploaded image, rendering a PDF page or reading a barcode takes tens to
hundreds of milliseconds of CPU and tens of megabytes: on the event loop it would stall
every other request, and many at once would swell the process. `run` does it in a small
pool of its own (so it never takes the threads that password hashing and file writes
use), and no more than `SLOTS` jobs of a process are under way at once; the others wait
their turn.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# The machine has 2 cores; more at once would only share them and hold more memory.
SLOTS = 2
_pool = ThreadPoolExecutor(max_workers=SLOTS, thread_name_prefix="heavy")
_slots: asyncio.Semaphore | None = None


def _semaphore() -> asyncio.Semaphore:
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(SLOTS)
    return _slots


async def run(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args, **kwargs)` in the heavy pool, once a slot is free."""
    async with _semaphore():
        return await asyncio.get_running_loop().run_in_executor(_pool, functools.partial(work, *args, **kwargs))
