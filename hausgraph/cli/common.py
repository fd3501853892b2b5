"""Shared bits of the CLI: cached settings, the stderr console and clean error exits."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import ContextDecorator
from types import TracebackType
from typing import Any, Self, TypeVar, overload

import pydantic
import typer
from neo4j.exceptions import AuthError, ServiceUnavailable
from rich.console import Console
from rich.markup import escape

from hausgraph.servers.errors import ServerError
from hausgraph.settings import Settings

__all__ = ["console", "get_settings", "handle_errors", "register_errors"]

logger = logging.getLogger(__name__)

#: Progress and errors go to stderr so stdout stays clean for ``--json`` and ``env``.
console = Console(stderr=True)

_F = TypeVar("_F", bound=Callable[..., Any])

# Exceptions that mean "bad configuration or environment", not "bug": shown as one red
# line. Packages add their root exception with register_errors().
_HANDLED: list[type[BaseException]] = [
    ServerError,
    pydantic.ValidationError,
    ServiceUnavailable,
    AuthError,
]


@functools.cache
def get_settings() -> Settings:
    """Build :class:`Settings` from the environment once per process."""
    return Settings()


def register_errors(*classes: type[BaseException]) -> None:
    """Add exception classes that every ``@handle_errors`` command reports cleanly."""
    for cls in classes:
        if cls not in _HANDLED:
            _HANDLED.append(cls)


class _ErrorHandler(ContextDecorator):
    def __init__(self, classes: tuple[type[BaseException], ...]) -> None:
        self._classes = classes

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            return False
        classes = self._classes or tuple(_HANDLED)
        if not isinstance(exc, classes):
            return False
        lines = (str(exc) or type(exc).__name__).splitlines() or [type(exc).__name__]
        console.print(f"[bold red]error:[/] [red]{escape(lines[0])}[/]")
        for line in lines[1:]:
            console.print(f"[dim]{escape(line)}[/]", highlight=False)
        logger.debug("command failed error=%s", type(exc).__name__)
        raise typer.Exit(1) from None


@overload
def handle_errors(func: _F, /) -> _F: ...
@overload
def handle_errors(*classes: type[BaseException]) -> _ErrorHandler: ...
def handle_errors(*args: Any) -> Any:
    """Turn the listed exceptions into one red message on stderr and exit code 1.

    Use bare (``@handle_errors``: the registered classes, :class:`ServerError` and friends),
    with classes (``@handle_errors(IngestError)``), or as ``with handle_errors():``.
    """
    if (
        len(args) == 1
        and callable(args[0])
        and not (isinstance(args[0], type) and issubclass(args[0], BaseException))
    ):
        return _ErrorHandler(())(args[0])
    return _ErrorHandler(tuple(args))
