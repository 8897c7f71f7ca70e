"""The argparse plumbing every sub-command shares: one-line errors, help layout, --quiet."""

from __future__ import annotations

import argparse
import sys

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


def seed(text: str) -> int:
    """An argparse type: a random seed, a whole number >= 0."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0; got {text!r}")
    return number
