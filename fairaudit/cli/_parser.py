"""The argparse plumbing every sub-command shares: one-line errors, help layout, --quiet."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ._errors import EXIT_USAGE, CLIError


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and an exit code, never a traceback."""

    def error(self, message: str):  # type: ignore[override]
        raise CLIError(f"{message} (see '{self.prog} --help')", EXIT_USAGE, prog=self.prog)

    def exit(self, status: int = 0, message: str | None = None):  # type: ignore[override]
        if message:
            sys.stderr.write(message)
        raise ParserExit(status)


class ParserExit(Exception):
    """``--help`` or ``--version`` was answered: exit with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def formatter(prog: str) -> argparse.HelpFormatter:
    """The help layout: examples kept as written, options aligned."""
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=34)


def add_common_output(p: argparse.ArgumentParser) -> None:
    """The options every command takes: --quiet and --debug."""
    p.add_argument("--quiet", "-q", action="store_true", help="print no summary")
    p.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")


def whole_number(minimum: int, bound: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``; the error says "must be a
    whole number BOUND; got TEXT" (``bound`` by default ``>= minimum``)."""
    bound = bound or f">= {minimum}"

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or number < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number {bound}; got {text!r}")
        return number

    return parse


#: A random seed: a whole number >= 0.
seed = whole_number(0)
