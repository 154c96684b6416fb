"""Short codes for typing at a desk (passes, bike attestations): an unambiguous alphabet and a check character.

32 symbols without 0/O and 1/I; nine random symbols (45 bits) and one Luhn mod 32
check symbol, which catches every single-symbol error and most swaps of
neighbours. Shown as `ABCD-EFGH-JK`; typing is forgiving about case, spaces and dashes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_INDEX = {symbol: index for index, symbol in enumerate(ALPHABET)}
BODY_LENGTH = 9
LENGTH = BODY_LENGTH + 1
_SEPARATORS = re.compile(r"[\s\-_.]")


def check_symbol(body: str) -> str:
    """Luhn mod N over ALPHABET."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for symbol in reversed(body):
        addend = factor * _INDEX[symbol]
        addend = addend // n + addend % n
        total += addend
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_code(body_length: int = BODY_LENGTH) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(body_length))
    return body + check_symbol(body)


Row = TypeVar("Row")
# With at least 35 random bits, a collision is rare and eight in a row impossible in practice.
_DRAWS = 8


async def insert_with_new_code(insert: Callable[[str], Awaitable[Row | None]], body_length: int = BODY_LENGTH) -> Row:
    """Run `insert` with fresh codes until one is free (`insert` returns None on a taken code)."""
    for _ in range(_DRAWS):
        row = await insert(new_code(body_length))
        if row is not None:
            return row
    raise RuntimeError("could not draw a free code")


def normalise(typed: str, length: int = LENGTH) -> str | None:
    """The canonical code for what someone typed, or None if it cannot be one."""
    candidate = _SEPARATORS.sub("", typed).upper()
    if len(candidate) != length or any(symbol not in _INDEX for symbol in candidate):
        return None
    if check_symbol(candidate[:-1]) != candidate[-1]:
        return None
    return candidate


def display(code: str) -> str:
    """Groups of four: `ABCD-EFGH-JK`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
