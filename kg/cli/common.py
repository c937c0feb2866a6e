"""Helpers shared by the command modules: errors as one line + exit 1, quiet/progress, summaries."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from kg.errors import KGError


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn kg's expected errors into a one-line message and exit code 1 (3 for a SPARQL server that
    failed: the error's `exit_code`), no traceback."""
    try:
        yield
    except KGError as e:
        fail(str(e), getattr(e, "exit_code", 1))
    except KeyboardInterrupt:
        fail("interrupted", 130)


def say(message: str, quiet: bool = False) -> None:
    """A line on stderr (summaries, counts), so stdout stays clean for data."""
    if not quiet:
        typer.echo(message, err=True)


def interactive(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress_bar(label: str, quiet: bool):
    """A rich progress bar on a terminal; a no-op when piped or quiet. Yields (set_total, advance)."""
    if not interactive(quiet):
        yield (lambda n: None), (lambda *_: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True) as prog:
        task = prog.add_task(label, total=None)
        yield (lambda n: prog.update(task, total=n)), (lambda *_: prog.advance(task))


def choice(name: str, values) -> type:
    """A str Enum of `values` for a typer option: help lists the choices, a bad value is a usage error
    (exit 2). The option's value is the member; `.value` is the string."""
    from enum import Enum

    return Enum(name, {v.replace("-", "_"): v for v in values}, type=str)
