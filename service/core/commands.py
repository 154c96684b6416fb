"""What `tbc` hands a domain's command: its settings, the derived keys and a prepared
database. The CLI (service.cli, the top floor) builds it, so no domain imports the CLI.

A domain's `commands.py` has `register(commands: argparse._SubParsersAction) -> None`;
each handler takes (context, args) and returns an exit code. A command may also set
`check(args)`: it runs before any database is started and raises CommandError."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from service.core.db import Connection
    from service.core.secrets import DerivedKeys
    from service.settings import Settings

T = TypeVar("T")


class CommandError(Exception):
    """A refusal an operator can act on: printed as one `error:` line, exit status 2."""


class OnDatabase(Protocol):
    def __call__(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Run `work` on a connection to the database, prepared (schema, territory, a
        current signing key), and return its result."""
        ...


@dataclass(frozen=True)
class CommandContext:
    settings: Settings
    on_database: OnDatabase
    # derived when first asked for: a command that never reaches the database reads no secret
    derive_keys: Callable[[], DerivedKeys]

    @property
    def keys(self) -> DerivedKeys:
        return self.derive_keys()
